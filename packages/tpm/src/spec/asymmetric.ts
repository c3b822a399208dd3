import { none, struct } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_DH_OBJECT } from '../pipeline/handleTypes.js';
import { TPM2B_DATA } from '../structures/basic.js';
import { TPM2B_ECC_POINT, TPM2B_PUBLIC_KEY_RSA } from '../structures/public.js';
import { TPMT_RSA_DECRYPT } from '../structures/rsaDecrypt.js';

/** TPM2_RSA_Encrypt (Part 3, 14.2): public-key operation, no authorization. */
export const RSA_Encrypt = defineCommand({
  name: 'RSA_Encrypt',
  handles: [{ name: 'keyHandle', type: TPMI_DH_OBJECT }],
  params: struct('RSA_Encrypt', { message: TPM2B_PUBLIC_KEY_RSA, inScheme: TPMT_RSA_DECRYPT, label: TPM2B_DATA }),
  response: struct('RSA_Encrypt.response', { outData: TPM2B_PUBLIC_KEY_RSA }),
});

/** TPM2_RSA_Decrypt (Part 3, 14.3). */
export const RSA_Decrypt = defineCommand({
  name: 'RSA_Decrypt',
  handles: [{ name: 'keyHandle', type: TPMI_DH_OBJECT, auth: 'USER' }],
  params: struct('RSA_Decrypt', { cipherText: TPM2B_PUBLIC_KEY_RSA, inScheme: TPMT_RSA_DECRYPT, label: TPM2B_DATA }),
  response: struct('RSA_Decrypt.response', { message: TPM2B_PUBLIC_KEY_RSA }),
});

/** TPM2_ECDH_KeyGen (Part 3, 14.4): an ephemeral key and Z against the key's public point; no authorization. */
export const ECDH_KeyGen = defineCommand({
  name: 'ECDH_KeyGen',
  handles: [{ name: 'keyHandle', type: TPMI_DH_OBJECT }],
  params: none,
  response: struct('ECDH_KeyGen.response', { zPoint: TPM2B_ECC_POINT, pubPoint: TPM2B_ECC_POINT }),
});

/** TPM2_ECDH_ZGen (Part 3, 14.5). */
export const ECDH_ZGen = defineCommand({
  name: 'ECDH_ZGen',
  handles: [{ name: 'keyHandle', type: TPMI_DH_OBJECT, auth: 'USER' }],
  params: struct('ECDH_ZGen', { inPoint: TPM2B_ECC_POINT }),
  response: struct('ECDH_ZGen.response', { outPoint: TPM2B_ECC_POINT }),
});
