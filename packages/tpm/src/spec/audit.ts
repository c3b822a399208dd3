import { none, struct } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_DH_OBJECT_NULL, TPMI_RH_ENDORSEMENT, TPMI_RH_PROVISION } from '../pipeline/handleTypes.js';
import { TPM2B_ATTEST } from '../structures/attest.js';
import { TPM2B_DATA, TPMI_ALG_HASH_NULL } from '../structures/basic.js';
import { TPML_CC } from '../structures/capability.js';
import { TPMT_SIG_SCHEME, TPMT_SIGNATURE_NULL } from '../structures/signature.js';

/** TPM2_GetCommandAuditDigest (Part 3, 18.6): the privacy administrator (endorsement) allows it. */
export const GetCommandAuditDigest = defineCommand({
  name: 'GetCommandAuditDigest',
  handles: [
    { name: 'privacyHandle', type: TPMI_RH_ENDORSEMENT, auth: 'USER' },
    { name: 'signHandle', type: TPMI_DH_OBJECT_NULL, auth: 'USER' },
  ],
  params: struct('GetCommandAuditDigest', { qualifyingData: TPM2B_DATA, inScheme: TPMT_SIG_SCHEME }),
  response: struct('GetCommandAuditDigest.response', { auditInfo: TPM2B_ATTEST, signature: TPMT_SIGNATURE_NULL }),
});

/** TPM2_SetCommandCodeAuditStatus (Part 3, 21.2): change the audit hash, or the audited commands, not both. */
export const SetCommandCodeAuditStatus = defineCommand({
  name: 'SetCommandCodeAuditStatus',
  handles: [{ name: 'auth', type: TPMI_RH_PROVISION, auth: 'USER' }],
  params: struct('SetCommandCodeAuditStatus', { auditAlg: TPMI_ALG_HASH_NULL, setList: TPML_CC, clearList: TPML_CC }),
  response: none,
});
