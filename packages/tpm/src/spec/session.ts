import { none, struct, tpm2b } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_DH_CONTEXT, TPMI_DH_ENTITY_NULL, TPMI_DH_OBJECT_NULL } from '../pipeline/handleTypes.js';
import { TPM2B_NONCE, TPM_SE_CODEC, TPMI_ALG_HASH } from '../structures/basic.js';
import { TPMT_SYM_DEF } from '../structures/symmetric.js';

/** TPM2B_ENCRYPTED_SECRET: an RSA-OAEP ciphertext or a marshalled ECC point. */
export const TPM2B_ENCRYPTED_SECRET = tpm2b('TPM2B_ENCRYPTED_SECRET', 512);

export const StartAuthSession = defineCommand({
  name: 'StartAuthSession',
  handles: [
    { name: 'tpmKey', type: TPMI_DH_OBJECT_NULL },
    { name: 'bind', type: TPMI_DH_ENTITY_NULL },
  ],
  params: struct('StartAuthSession', {
    nonceCaller: TPM2B_NONCE,
    encryptedSalt: TPM2B_ENCRYPTED_SECRET,
    sessionType: TPM_SE_CODEC,
    symmetric: TPMT_SYM_DEF,
    authHash: TPMI_ALG_HASH,
  }),
  responseHandle: 'sessionHandle',
  response: struct('StartAuthSession.response', { nonceTPM: TPM2B_NONCE }),
});

export const FlushContext = defineCommand({
  name: 'FlushContext',
  params: struct('FlushContext', { flushHandle: TPMI_DH_CONTEXT }),
  response: none,
});
