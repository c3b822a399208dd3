import { TPMA_OBJECT, TPM_ALG, type TpmtPublic } from '@vtpm/tpm';
import { refuse } from '../refusal.js';

/**
 * What makes a key an attestation key the verifier can trust (TCG EK/AK practice, Part 1, 25.4):
 * it never leaves this TPM (fixedTPM, fixedParent), the TPM made its private part
 * (sensitiveDataOrigin), and it is a restricted signing key, so it only signs digests the TPM
 * computed itself and never a forged TPMS_ATTEST. A decrypt key could be used to unwrap
 * credentials, so it is excluded.
 */
export const AK_REQUIRED_ATTRIBUTES = ['fixedTPM', 'fixedParent', 'sensitiveDataOrigin', 'restricted', 'sign'] as const;
export const AK_FORBIDDEN_ATTRIBUTES = ['decrypt'] as const;

/** Refuses a public area that is not an asymmetric restricted signing key resident in its TPM. */
export function checkAkAttributes(ak: TpmtPublic): void {
  if (ak.type !== TPM_ALG.RSA && ak.type !== TPM_ALG.ECC) refuse('ak-attributes', 'the AK is neither an RSA nor an ECC key');
  const missing = AK_REQUIRED_ATTRIBUTES.filter((a) => !(ak.objectAttributes & TPMA_OBJECT[a]));
  const present = AK_FORBIDDEN_ATTRIBUTES.filter((a) => ak.objectAttributes & TPMA_OBJECT[a]);
  if (!missing.length && !present.length) return;
  const problems = [...(missing.length ? [`lacks ${missing.join(', ')}`] : []), ...(present.length ? [`has ${present.join(', ')}`] : [])];
  refuse('ak-attributes', `the AK ${problems.join(' and ')}: only a TPM-resident restricted signing key proves its quotes came from the TPM`);
}
