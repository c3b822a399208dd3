/**
 * How the RSA primes of seed-derived keys (primaries; every key of a fixed-seed test TPM) are
 * searched. The search decides the key, so a TPM keeps the method its state was made with: an EK
 * certificate or a persisted reference to a primary stays valid (as libtpms keeps its seed
 * compatibility level). docs/objects.md describes both.
 *   1: candidate after candidate from the KDFa stream (vtpm state format 1)
 *   2: one KDFa draw per prime, then a sieved window above it (faster; state format 2 and later)
 */
export type RsaPrimeSearch = 1 | 2;

/** The method of a newly manufactured TPM. */
export const LATEST_RSA_PRIME_SEARCH: RsaPrimeSearch = 2;

export function isRsaPrimeSearch(v: number): v is RsaPrimeSearch {
  return v === 1 || v === 2;
}
