import { TPMA_OBJECT, TPM_ALG, TPM_ECC_CURVE, type TpmtPublic } from '@vtpm/tpm';

const { fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, sign, noDA } = TPMA_OBJECT;

/**
 * The AK `vtpm attest quote` creates: ECC NIST P-256, ECDSA with SHA-256, restricted signing
 * (it only signs digests the TPM computed, so it cannot sign a forged TPMS_ATTEST), resident in
 * its TPM (fixedTPM, fixedParent, sensitiveDataOrigin: what the verifier requires of an AK).
 * As a primary key its unique field is empty, so the same hierarchy seed always gives the same AK.
 */
export const AK_TEMPLATE: TpmtPublic = {
  type: TPM_ALG.ECC,
  nameAlg: TPM_ALG.SHA256,
  objectAttributes: fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | sign | noDA,
  authPolicy: Buffer.alloc(0),
  parameters: {
    symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 },
    scheme: { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } },
    curveID: TPM_ECC_CURVE.NIST_P256,
    kdf: { scheme: TPM_ALG.NULL, details: null },
  },
  unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) },
};
