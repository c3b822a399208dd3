import { none, struct, yesNo } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_DH_OBJECT } from '../pipeline/handleTypes.js';
import { TPM2B_AUTH, TPM2B_DIGEST, TPM2B_MAX_BUFFER, TPMI_ALG_HASH_NULL } from '../structures/basic.js';
import { TPM2B_IV, TPMI_ALG_CIPHER_MODE_NULL } from '../structures/cipher.js';

const cipherOut = struct('EncryptDecrypt.response', { outData: TPM2B_MAX_BUFFER, ivOut: TPM2B_IV });

/** TPM2_EncryptDecrypt (Part 3, 15.2). */
export const EncryptDecrypt = defineCommand({
  name: 'EncryptDecrypt',
  handles: [{ name: 'keyHandle', type: TPMI_DH_OBJECT, auth: 'USER' }],
  params: struct('EncryptDecrypt', { decrypt: yesNo, mode: TPMI_ALG_CIPHER_MODE_NULL, ivIn: TPM2B_IV, inData: TPM2B_MAX_BUFFER }),
  response: cipherOut,
});

/** TPM2_EncryptDecrypt2 (Part 3, 15.3): the same with inData first, so it can be parameter-encrypted. */
export const EncryptDecrypt2 = defineCommand({
  name: 'EncryptDecrypt2',
  handles: [{ name: 'keyHandle', type: TPMI_DH_OBJECT, auth: 'USER' }],
  params: struct('EncryptDecrypt2', { inData: TPM2B_MAX_BUFFER, decrypt: yesNo, mode: TPMI_ALG_CIPHER_MODE_NULL, ivIn: TPM2B_IV }),
  response: cipherOut,
});

/** TPM2_HMAC (Part 3, 15.5). */
export const HMAC = defineCommand({
  name: 'HMAC',
  handles: [{ name: 'handle', type: TPMI_DH_OBJECT, auth: 'USER' }],
  params: struct('HMAC', { buffer: TPM2B_MAX_BUFFER, hashAlg: TPMI_ALG_HASH_NULL }),
  response: struct('HMAC.response', { outHMAC: TPM2B_DIGEST }),
});

/** TPM2_HMAC_Start (Part 3, 17.2): an HMAC sequence, completed by SequenceUpdate / SequenceComplete. */
export const HMAC_Start = defineCommand({
  name: 'HMAC_Start',
  handles: [{ name: 'handle', type: TPMI_DH_OBJECT, auth: 'USER' }],
  params: struct('HMAC_Start', { auth: TPM2B_AUTH, hashAlg: TPMI_ALG_HASH_NULL }),
  responseHandle: 'sequenceHandle',
  response: none,
});
