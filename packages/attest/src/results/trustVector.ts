/**
 * AR4SI trustworthiness claims (draft-ietf-rats-ar4si) with their EAR CBOR keys
 * (draft-ietf-rats-ear: ear.trustworthiness-vector is { claim key => tier }).
 */
export const TRUST_CLAIMS = {
  'instance-identity': 0,
  configuration: 1,
  executables: 2,
  'file-system': 3,
  hardware: 4,
  'runtime-opaque': 5,
  'storage-opaque': 6,
  'sourced-data': 7,
} as const;
export type TrustClaim = keyof typeof TRUST_CLAIMS;
export const TRUST_CLAIM_NAMES = Object.keys(TRUST_CLAIMS) as TrustClaim[];

/** AR4SI trust tiers; a larger number is a worse tier, so the status of a vector is its maximum. */
export const TRUST_TIER = { none: 0, affirming: 2, warning: 32, contraindicated: 96 } as const;
export type TrustTier = (typeof TRUST_TIER)[keyof typeof TRUST_TIER];
const TIERS: readonly number[] = Object.values(TRUST_TIER);

export function isTrustTier(v: unknown): v is TrustTier {
  return typeof v === 'number' && TIERS.includes(v);
}

export function tierName(tier: TrustTier): keyof typeof TRUST_TIER {
  return (Object.keys(TRUST_TIER) as (keyof typeof TRUST_TIER)[]).find((k) => TRUST_TIER[k] === tier)!;
}

/** One tier per claim; claims the verifier made no statement about are `none`. */
export type TrustVector = Record<TrustClaim, TrustTier>;

export function emptyTrustVector(): TrustVector {
  return Object.fromEntries(TRUST_CLAIM_NAMES.map((c) => [c, TRUST_TIER.none])) as TrustVector;
}

/** The worst of some tiers (none when there are none). */
export function worstTier(tiers: Iterable<TrustTier>): TrustTier {
  let worst: TrustTier = TRUST_TIER.none;
  for (const t of tiers) if (t > worst) worst = t;
  return worst;
}

/** EAR status: no better than the worst claim (the EAR drafts' UpdateStatusFromTrustVector). */
export function statusOf(vector: TrustVector): TrustTier {
  return worstTier(Object.values(vector));
}
