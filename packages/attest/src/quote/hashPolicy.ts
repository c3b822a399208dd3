import { TPM_ALG, algName } from '@vtpm/tpm';
import { refuse } from '../refusal.js';

/** Which hashes a verifier accepts, for signatures and PCR banks alike. */
export interface HashPolicyOptions {
  /** Accepted hashes (TPM_ALG_ID); SHA-256, SHA-384 and SHA-512 by default. */
  allowedHashAlgs?: readonly number[];
  /** SHA-1 is refused unless this is set, even when listed in `allowedHashAlgs` (collisions are practical). */
  allowSha1?: boolean;
}

export const DEFAULT_HASH_ALGS: readonly number[] = [TPM_ALG.SHA256, TPM_ALG.SHA384, TPM_ALG.SHA512];

/** The accepted hashes under `options`. */
export function allowedHashes(options: HashPolicyOptions = {}): ReadonlySet<number> {
  const set = new Set(options.allowedHashAlgs ?? DEFAULT_HASH_ALGS);
  if (options.allowSha1) set.add(TPM_ALG.SHA1);
  else set.delete(TPM_ALG.SHA1);
  return set;
}

/** Refuses `alg` unless accepted; `what` says where it was used ("the signature", "PCR bank"). */
export function requireAllowedHash(alg: number, allowed: ReadonlySet<number>, what: string): void {
  if (allowed.has(alg)) return;
  const hint = alg === TPM_ALG.SHA1 ? ' (SHA-1 needs allowSha1)' : '';
  refuse('hash-not-allowed', `${what} uses ${algName(alg)}, not among the allowed hashes ${[...allowed].map(algName).join(', ')}${hint}`);
}
