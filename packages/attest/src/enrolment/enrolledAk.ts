import type { TpmtPublic } from '@vtpm/tpm';
import type { EkCertificateReport } from '../ekChain/validateEkCertificate.js';

/**
 * An AK the registrar vouches for: it lives in the same TPM as the EK (it answered the credential
 * challenge) and is a restricted signing key. Quotes signed by it are looked up by `akName`.
 */
export interface EnrolledAk {
  akName: Buffer;
  akPublic: TpmtPublic;
  ekName: Buffer;
  ekPublic: TpmtPublic;
  /** The validated EK certificate, when one was presented. */
  ekCertificate: EkCertificateReport | null;
  enrolledAt: Date;
}
