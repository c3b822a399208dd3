import * as pkijs from 'pkijs';
import type { TpmtPublic } from '@vtpm/tpm';
import { judgeAsync, refuse, type Verdict } from '../refusal.js';
import { readPublicArea, type PublicAreaInput } from '../quote/publicArea.js';
import { certificateDers, describeName, parseCertificate, readCertificates, type CertificateInput } from './certificateInput.js';
import { certificateKeyMatches } from './ekPublicKeyMatch.js';
import { tcgDeviceAttributes, type TpmDeviceAttributes } from './tcgDeviceAttributes.js';

/** TCG EK Credential Profile: the extended key usage that marks an EK certificate. */
export const TCG_KP_EK_CERTIFICATE = '2.23.133.8.1';
const EXTENDED_KEY_USAGE = '2.5.29.37';
const BASIC_CONSTRAINTS = '2.5.29.19';

export interface EkCertificateOptions {
  /** Trust anchors: manufacturer roots (or any CA the deployment trusts, e.g. swtpm's local CA). */
  roots: readonly CertificateInput[];
  /** Intermediate CAs not sent with the certificate. */
  intermediates?: readonly CertificateInput[];
  /** The EK public area the certificate must certify. */
  ekPublic?: PublicAreaInput;
  /** Validity is judged at this time (now by default). */
  checkDate?: Date;
}

/** What a valid EK certificate says. */
export interface EkCertificateReport {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** The TPM as its manufacturer certified it (TCG SAN attributes). */
  tpm: TpmDeviceAttributes;
  /** Subjects from the EK certificate up to the trust anchor. */
  path: string[];
  /** True when `ekPublic` was given (and matched). */
  keyChecked: boolean;
}

/** The EK certificate's profile: EK EKU present, not a CA, TCG device attributes present. */
function checkEkProfile(cert: pkijs.Certificate): TpmDeviceAttributes {
  const eku = cert.extensions?.find((e) => e.extnID === EXTENDED_KEY_USAGE)?.parsedValue as pkijs.ExtKeyUsage | undefined;
  if (!eku?.keyPurposes.includes(TCG_KP_EK_CERTIFICATE)) refuse('ek-certificate-profile', `the certificate lacks the EK extended key usage ${TCG_KP_EK_CERTIFICATE} (tcg-kp-EKCertificate)`);
  const bc = cert.extensions?.find((e) => e.extnID === BASIC_CONSTRAINTS)?.parsedValue as pkijs.BasicConstraints | undefined;
  if (bc?.cA) refuse('ek-certificate-profile', 'the EK certificate is a CA certificate (basicConstraints cA = TRUE)');
  return tcgDeviceAttributes(cert) ?? refuse('ek-certificate-profile', 'the subject alternative name lacks the TCG TPM manufacturer, model and version attributes (2.23.133.2.1-3)');
}

/**
 * Validates an EK certificate (DER or PEM; a PEM may carry the chain after it) to the configured
 * roots with pkijs: path building, validity at `checkDate`, signatures and CA basicConstraints;
 * then the TCG profile (EK EKU, not a CA, TCG SAN attributes) and, with `ekPublic`, that it
 * certifies exactly that key.
 */
export function validateEkCertificate(ekCertificate: CertificateInput, options: EkCertificateOptions): Promise<Verdict<EkCertificateReport>> {
  return judgeAsync(async () => {
    const [leafDer, ...sentChain] = certificateDers(ekCertificate);
    const leaf = parseCertificate(leafDer!, 'the EK certificate');
    const chain = [...sentChain.map((d, i) => parseCertificate(d, `chain certificate #${i + 1}`)), ...readCertificates(options.intermediates ?? [], 'intermediate')];
    const roots = readCertificates(options.roots, 'root');
    if (!roots.length) refuse('ek-chain-invalid', 'no trust anchors configured');

    // pkijs builds the path from the LAST certificate in `certs`: the EK certificate goes last.
    const engine = new pkijs.CertificateChainValidationEngine({ trustedCerts: roots, certs: [...chain, leaf], checkDate: options.checkDate ?? new Date() });
    const result = await engine.verify();
    if (!result.result) refuse('ek-chain-invalid', `the EK certificate does not chain to a configured root: ${result.resultMessage || 'no valid path'}`);
    if (result.certificatePath?.[0] !== leaf) refuse('ek-chain-invalid', 'the validated path does not start at the EK certificate');
    const tpm = checkEkProfile(leaf);

    let keyChecked = false;
    if (options.ekPublic !== undefined) {
      const ek: TpmtPublic = readPublicArea(options.ekPublic, 'the EK public area');
      if (!certificateKeyMatches(leaf, ek)) refuse('ek-key-mismatch', 'the EK certificate certifies a different public key than the EK public area presented');
      keyChecked = true;
    }
    return {
      subject: describeName(leaf.subject),
      issuer: describeName(leaf.issuer),
      serialNumber: Buffer.from(leaf.serialNumber.valueBlock.valueHexView).toString('hex'),
      notBefore: leaf.notBefore.value,
      notAfter: leaf.notAfter.value,
      tpm,
      path: (result.certificatePath ?? [leaf]).map((c) => describeName(c.subject)),
      keyChecked,
    };
  });
}
