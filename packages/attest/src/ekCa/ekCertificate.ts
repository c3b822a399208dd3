import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { TPM_ALG, type TpmtPublic } from '@vtpm/tpm';
import { certificateTime, derOf, distinguishedName, extension, keyUsage, KEY_USAGE, noExpiry, randomSerial } from './certificateFields.js';
import { ekSubjectPublicKeyInfo } from './ekPublicKeyInfo.js';
import type { ManufacturerCa } from './manufacturerCa.js';
import { TCG_OID, X509_EXTENSION } from './tcgOids.js';
import type { TpmIdentity } from './tpmIdentity.js';

export interface EkCertificateIssueOptions {
  notBefore?: Date;
  /** Default: no expiry (99991231235959Z), as swtpm's local CA and many TPM vendors issue EK certificates. */
  notAfter?: Date;
}

/**
 * An EK certificate as the TCG EK Credential Profile (2.x, 3.2) shapes it, with the extensions
 * swtpm_setup's certificates carry:
 *  - subject empty, so the subject alternative name is critical and carries the TPM's identity as
 *    a directoryName of tcg-at-tpmManufacturer, tcg-at-tpmModel and tcg-at-tpmVersion (UTF8String);
 *  - subject directory attributes: tcg-at-tpmSpecification (family, level, revision);
 *  - extended key usage tcg-kp-EKCertificate; basicConstraints CA:FALSE (critical);
 *  - key usage (critical) keyEncipherment for an RSA EK, keyAgreement for an ECC EK: an EK
 *    decrypts (ActivateCredential), it never signs;
 *  - authority key identifier of the CA; the subject public key is the EK itself.
 * Returns the DER.
 */
export async function issueEkCertificate(ca: ManufacturerCa, ek: TpmtPublic, tpm: TpmIdentity, options: EkCertificateIssueOptions = {}): Promise<Buffer> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = randomSerial();
  cert.issuer = ca.certificate.subject;
  cert.subject = new pkijs.RelativeDistinguishedNames();
  cert.notBefore = certificateTime(options.notBefore ?? new Date(Date.now() - 60_000));
  cert.notAfter = options.notAfter ? certificateTime(options.notAfter) : noExpiry();
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(ekSubjectPublicKeyInfo(ek));
  cert.extensions = [
    extension(X509_EXTENSION.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [TCG_OID.ekCertificate] }).toSchema()),
    extension(X509_EXTENSION.subjectAltName, true, tpmIdentityAltName(tpm)),
    extension(X509_EXTENSION.basicConstraints, true, new pkijs.BasicConstraints({ cA: false }).toSchema()),
    extension(X509_EXTENSION.subjectDirectoryAttributes, false, tpmSpecificationAttributes(tpm)),
    extension(X509_EXTENSION.authorityKeyIdentifier, false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: ca.keyIdentifier }) }).toSchema()),
    extension(X509_EXTENSION.keyUsage, true, keyUsage([ek.type === TPM_ALG.RSA ? KEY_USAGE.keyEncipherment : KEY_USAGE.keyAgreement])),
  ];
  await ca.sign(cert);
  return derOf(cert);
}

/** GeneralNames { directoryName: manufacturer / model / version, one attribute per RDN as swtpm writes them }. */
function tpmIdentityAltName(tpm: TpmIdentity): asn1js.BaseBlock {
  const directoryName = distinguishedName([
    [TCG_OID.tpmManufacturer, tpm.manufacturer],
    [TCG_OID.tpmModel, tpm.model],
    [TCG_OID.tpmVersion, tpm.version],
  ]);
  return new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 4, value: directoryName })] }).toSchema();
}

/** SubjectDirectoryAttributes { tcg-at-tpmSpecification: TPMSpecification { family, level, revision } }. */
function tpmSpecificationAttributes(tpm: TpmIdentity): asn1js.BaseBlock {
  const specification = new asn1js.Sequence({
    value: [new asn1js.Utf8String({ value: tpm.specFamily }), new asn1js.Integer({ value: tpm.specLevel }), new asn1js.Integer({ value: tpm.specRevision })],
  });
  return new asn1js.Sequence({ value: [new pkijs.Attribute({ type: TCG_OID.tpmSpecification, values: [specification] }).toSchema()] });
}
