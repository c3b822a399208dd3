import { TPM_GENERATED_VALUE, TPM_ST } from '../constants/types.js';
import { restricted, selectedBy, struct, tpm2b, u16, u32, u64, union, unmarshal, yesNo, type Codec } from '../codec/codec.js';
import { MAX_DIGEST_SIZE } from '../crypto/hashAlgorithms.js';
import { LIMITS, TPM2B_DATA, TPM2B_DIGEST, TPM2B_MAX_NV_BUFFER, TPM2B_NAME } from './basic.js';
import { TPML_PCR_SELECTION, type PcrSelection } from './pcrSelection.js';
import { TPMS_CLOCK_INFO, TPMS_TIME_INFO, type ClockInfo } from './time.js';

// The attestation structure (Part 2, 10.12): what the TPM signs in Quote, Certify, CertifyCreation,
// GetTime, NV_Certify and the audit digests. It starts with TPM_GENERATED_VALUE so that a signature
// over it proves the TPM made it (the TPM refuses tickets for data that starts so, Part 1, 11.4.6).

/** TPM_GENERATED: only TPM_GENERATED_VALUE is a TPM-made attestation. */
export const TPM_GENERATED = restricted('TPM_GENERATED', u32, [TPM_GENERATED_VALUE]);

/** TPMI_ST_ATTEST (Part 2, 10.12.10): the attestation kinds. */
export const TPMI_ST_ATTEST = restricted(
  'TPMI_ST_ATTEST',
  u16,
  [TPM_ST.ATTEST_CERTIFY, TPM_ST.ATTEST_QUOTE, TPM_ST.ATTEST_SESSION_AUDIT, TPM_ST.ATTEST_COMMAND_AUDIT, TPM_ST.ATTEST_TIME, TPM_ST.ATTEST_CREATION, TPM_ST.ATTEST_NV, TPM_ST.ATTEST_NV_DIGEST],
);

/** TPMS_CERTIFY_INFO (10.12.3): the certified object's Name and qualified Name. */
export const TPMS_CERTIFY_INFO = struct('TPMS_CERTIFY_INFO', { name: TPM2B_NAME, qualifiedName: TPM2B_NAME });
export type CertifyInfo = { name: Buffer; qualifiedName: Buffer };

/** TPMS_QUOTE_INFO (10.12.4): the PCRs quoted (unallocated ones removed) and the digest of their values. */
export const TPMS_QUOTE_INFO = struct('TPMS_QUOTE_INFO', { pcrSelect: TPML_PCR_SELECTION, pcrDigest: TPM2B_DIGEST });
export type QuoteInfo = { pcrSelect: PcrSelection[]; pcrDigest: Buffer };

/** TPMS_COMMAND_AUDIT_INFO (10.12.5). */
export const TPMS_COMMAND_AUDIT_INFO = struct('TPMS_COMMAND_AUDIT_INFO', { auditCounter: u64, digestAlg: u16, auditDigest: TPM2B_DIGEST, commandDigest: TPM2B_DIGEST });
export type CommandAuditInfo = { auditCounter: bigint; digestAlg: number; auditDigest: Buffer; commandDigest: Buffer };

/** TPMS_SESSION_AUDIT_INFO (10.12.6). */
export const TPMS_SESSION_AUDIT_INFO = struct('TPMS_SESSION_AUDIT_INFO', { exclusiveSession: yesNo, sessionDigest: TPM2B_DIGEST });
export type SessionAuditInfo = { exclusiveSession: boolean; sessionDigest: Buffer };

/** TPMS_CREATION_INFO (10.12.7). */
export const TPMS_CREATION_INFO = struct('TPMS_CREATION_INFO', { objectName: TPM2B_NAME, creationHash: TPM2B_DIGEST });
export type CreationInfo = { objectName: Buffer; creationHash: Buffer };

/** TPMS_NV_CERTIFY_INFO (10.12.8): a range of an NV index's data. */
export const TPMS_NV_CERTIFY_INFO = struct('TPMS_NV_CERTIFY_INFO', { indexName: TPM2B_NAME, offset: u16, nvContents: TPM2B_MAX_NV_BUFFER });
export type NvCertifyInfo = { indexName: Buffer; offset: number; nvContents: Buffer };

/** TPMS_NV_DIGEST_CERTIFY_INFO (10.12.9): a digest of all of an NV index's data. */
export const TPMS_NV_DIGEST_CERTIFY_INFO = struct('TPMS_NV_DIGEST_CERTIFY_INFO', { indexName: TPM2B_NAME, nvDigest: TPM2B_DIGEST });
export type NvDigestCertifyInfo = { indexName: Buffer; nvDigest: Buffer };

/** TPMS_TIME_ATTEST_INFO (10.12.2): Time and Clock, and the firmware version never obfuscated. */
export const TPMS_TIME_ATTEST_INFO = struct('TPMS_TIME_ATTEST_INFO', { time: TPMS_TIME_INFO, firmwareVersion: u64 });
export type TimeAttestInfo = { time: { time: bigint; clockInfo: ClockInfo }; firmwareVersion: bigint };

export type Attested = CertifyInfo | QuoteInfo | CommandAuditInfo | SessionAuditInfo | CreationInfo | NvCertifyInfo | NvDigestCertifyInfo | TimeAttestInfo;

/** TPMU_ATTEST (10.12.11), selected by TPMS_ATTEST.type. */
export const TPMU_ATTEST = union<Attested>(
  'TPMU_ATTEST',
  new Map<number, Codec<any>>([
    [TPM_ST.ATTEST_CERTIFY, TPMS_CERTIFY_INFO],
    [TPM_ST.ATTEST_CREATION, TPMS_CREATION_INFO],
    [TPM_ST.ATTEST_QUOTE, TPMS_QUOTE_INFO],
    [TPM_ST.ATTEST_COMMAND_AUDIT, TPMS_COMMAND_AUDIT_INFO],
    [TPM_ST.ATTEST_SESSION_AUDIT, TPMS_SESSION_AUDIT_INFO],
    [TPM_ST.ATTEST_TIME, TPMS_TIME_ATTEST_INFO],
    [TPM_ST.ATTEST_NV, TPMS_NV_CERTIFY_INFO],
    [TPM_ST.ATTEST_NV_DIGEST, TPMS_NV_DIGEST_CERTIFY_INFO],
  ]),
);

/** TPMS_ATTEST (10.12.12). */
export const TPMS_ATTEST = struct('TPMS_ATTEST', {
  magic: TPM_GENERATED,
  type: TPMI_ST_ATTEST,
  qualifiedSigner: TPM2B_NAME,
  extraData: TPM2B_DATA,
  clockInfo: TPMS_CLOCK_INFO,
  firmwareVersion: u64,
  attested: selectedBy('type', TPMU_ATTEST),
});

/** The fields every attestation shares (FillInAttestInfo fills them). */
export interface AttestHeader {
  magic: number;
  qualifiedSigner: Buffer;
  extraData: Buffer;
  clockInfo: ClockInfo;
  firmwareVersion: bigint;
}
export type Attest = AttestHeader & { type: number; attested: Attested };

const NAME_OR_DATA = 2 + 2 + MAX_DIGEST_SIZE; // a TPM2B_NAME or TPM2B_DATA at its largest
/** The largest TPMS_ATTEST: the header with full-size Name and data, then the largest member (an NV range). */
const MAX_ATTEST_SIZE = 4 + 2 + NAME_OR_DATA + NAME_OR_DATA + 17 + 8 + (NAME_OR_DATA + 2 + 2 + LIMITS.MAX_NV_BUFFER_SIZE);

/**
 * TPM2B_ATTEST (10.12.13): the marshalled TPMS_ATTEST as octets, since the signature is over exactly
 * these bytes. `parseAttest` reads them.
 */
export const TPM2B_ATTEST = tpm2b('TPM2B_ATTEST', MAX_ATTEST_SIZE);

/** The TPMS_ATTEST in a TPM2B_ATTEST's octets (TPM_RC_VALUE for a wrong magic, TPM_RC_SIZE for trailing bytes). */
export function parseAttest(attestationData: Buffer): Attest {
  return unmarshal(TPMS_ATTEST, attestationData) as Attest;
}
