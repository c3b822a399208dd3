/** Object identifiers an EK certificate uses (TCG EK Credential Profile 2.x, RFC 5280). */
export const TCG_OID = {
  /** tcg-at-tpmManufacturer, tcg-at-tpmModel, tcg-at-tpmVersion: the TPM's identity, in the subject alternative name. */
  tpmManufacturer: '2.23.133.2.1',
  tpmModel: '2.23.133.2.2',
  tpmVersion: '2.23.133.2.3',
  /** tcg-at-tpmSpecification: family, level and revision of the TPM specification, in the subject directory attributes. */
  tpmSpecification: '2.23.133.2.16',
  /** tcg-kp-EKCertificate: the extended key usage that marks an EK certificate. */
  ekCertificate: '2.23.133.8.1',
} as const;

export const X509_EXTENSION = {
  subjectDirectoryAttributes: '2.5.29.9',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
} as const;
