import { struct, u16 } from '../codec/codec.js';
import { HR } from '../constants/handles.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_DH_OBJECT, TPMI_DH_OBJECT_NULL, TPMI_RH_ENDORSEMENT, TPMI_RH_NV_AUTH, TPMI_RH_NV_INDEX, handleType } from '../pipeline/handleTypes.js';
import { TPM2B_ATTEST } from '../structures/attest.js';
import { TPM2B_DATA, TPM2B_DIGEST } from '../structures/basic.js';
import { TPML_PCR_SELECTION } from '../structures/pcrSelection.js';
import { TPMT_SIG_SCHEME, TPMT_SIGNATURE_NULL } from '../structures/signature.js';
import { TPMT_TK_CREATION } from '../structures/tickets.js';

// Attestation commands (Part 3, 18) and NV_Certify (31.16). Every one signs a TPMS_ATTEST with
// signHandle (TPM_RH_NULL: unsigned, NULL signature) and answers the attestation octets and the signature.

/** TPMI_SH_HMAC: an HMAC session handle. */
export const TPMI_SH_HMAC = handleType('TPMI_SH_HMAC', (h) => h >= HR.HMAC_SESSION && h < HR.HMAC_SESSION + 0x01000000);

const signHandle = { name: 'signHandle', type: TPMI_DH_OBJECT_NULL, auth: 'USER' } as const;
const privacyAdminHandle = { name: 'privacyAdminHandle', type: TPMI_RH_ENDORSEMENT, auth: 'USER' } as const;

/** TPM2_Certify (18.2): the certified object (ADMIN role) first, then the signing key. */
export const Certify = defineCommand({
  name: 'Certify',
  handles: [{ name: 'objectHandle', type: TPMI_DH_OBJECT, auth: 'ADMIN' }, signHandle],
  params: struct('Certify', { qualifyingData: TPM2B_DATA, inScheme: TPMT_SIG_SCHEME }),
  response: struct('Certify.response', { certifyInfo: TPM2B_ATTEST, signature: TPMT_SIGNATURE_NULL }),
});

/** TPM2_CertifyCreation (18.3): no authorization for the object, whose creation ticket vouches for it. */
export const CertifyCreation = defineCommand({
  name: 'CertifyCreation',
  handles: [signHandle, { name: 'objectHandle', type: TPMI_DH_OBJECT }],
  params: struct('CertifyCreation', { qualifyingData: TPM2B_DATA, creationHash: TPM2B_DIGEST, inScheme: TPMT_SIG_SCHEME, creationTicket: TPMT_TK_CREATION }),
  response: struct('CertifyCreation.response', { certifyInfo: TPM2B_ATTEST, signature: TPMT_SIGNATURE_NULL }),
});

/** TPM2_Quote (18.4). */
export const Quote = defineCommand({
  name: 'Quote',
  handles: [signHandle],
  params: struct('Quote', { qualifyingData: TPM2B_DATA, inScheme: TPMT_SIG_SCHEME, PCRselect: TPML_PCR_SELECTION }),
  response: struct('Quote.response', { quoted: TPM2B_ATTEST, signature: TPMT_SIGNATURE_NULL }),
});

/** TPM2_GetSessionAuditDigest (18.5): the privacy administrator (endorsement) allows it. */
export const GetSessionAuditDigest = defineCommand({
  name: 'GetSessionAuditDigest',
  handles: [privacyAdminHandle, signHandle, { name: 'sessionHandle', type: TPMI_SH_HMAC }],
  params: struct('GetSessionAuditDigest', { qualifyingData: TPM2B_DATA, inScheme: TPMT_SIG_SCHEME }),
  response: struct('GetSessionAuditDigest.response', { auditInfo: TPM2B_ATTEST, signature: TPMT_SIGNATURE_NULL }),
});

/** TPM2_GetTime (18.7). */
export const GetTime = defineCommand({
  name: 'GetTime',
  handles: [privacyAdminHandle, signHandle],
  params: struct('GetTime', { qualifyingData: TPM2B_DATA, inScheme: TPMT_SIG_SCHEME }),
  response: struct('GetTime.response', { timeInfo: TPM2B_ATTEST, signature: TPMT_SIGNATURE_NULL }),
});

/** TPM2_NV_Certify (31.16): size 0 at offset 0 certifies a digest of the whole index (TPMS_NV_DIGEST_CERTIFY_INFO). */
export const NV_Certify = defineCommand({
  name: 'NV_Certify',
  handles: [signHandle, { name: 'authHandle', type: TPMI_RH_NV_AUTH, auth: 'USER' }, { name: 'nvIndex', type: TPMI_RH_NV_INDEX }],
  params: struct('NV_Certify', { qualifyingData: TPM2B_DATA, inScheme: TPMT_SIG_SCHEME, size: u16, offset: u16 }),
  response: struct('NV_Certify.response', { certifyInfo: TPM2B_ATTEST, signature: TPMT_SIGNATURE_NULL }),
});
