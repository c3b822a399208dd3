import { struct } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_DH_OBJECT } from '../pipeline/handleTypes.js';
import { TPM2B_DIGEST } from '../structures/basic.js';
import { TPMT_SIG_SCHEME, TPMT_SIGNATURE, TPMT_SIGNATURE_NULL } from '../structures/signature.js';
import { TPMT_TK_HASHCHECK, TPMT_TK_VERIFIED } from '../structures/tickets.js';

/** TPM2_VerifySignature (Part 3, 20.1). */
export const VerifySignature = defineCommand({
  name: 'VerifySignature',
  handles: [{ name: 'keyHandle', type: TPMI_DH_OBJECT }],
  params: struct('VerifySignature', { digest: TPM2B_DIGEST, signature: TPMT_SIGNATURE }),
  response: struct('VerifySignature.response', { validation: TPMT_TK_VERIFIED }),
});

/** TPM2_Sign (Part 3, 20.2). */
export const Sign = defineCommand({
  name: 'Sign',
  handles: [{ name: 'keyHandle', type: TPMI_DH_OBJECT, auth: 'USER' }],
  params: struct('Sign', { digest: TPM2B_DIGEST, inScheme: TPMT_SIG_SCHEME, validation: TPMT_TK_HASHCHECK }),
  response: struct('Sign.response', { signature: TPMT_SIGNATURE_NULL }),
});
