import { CborMap, decodeCbor, encodeCbor } from '../cbor.js';
import { RefusalError, refuse } from '../refusal.js';
import { TRUST_CLAIMS, TRUST_CLAIM_NAMES, TRUST_TIER, emptyTrustVector, isTrustTier, type TrustTier, type TrustVector } from './trustVector.js';

/**
 * An attestation result in the EAT Attestation Result format (draft-ietf-rats-ear), CBOR
 * serialisation: the CWT/EAT claim keys below, one appraisal per attester ("submods").
 */
export const EAR_PROFILE = 'tag:github.com,2023:veraison/ear';
export const EAR_KEYS = {
  iat: 6,
  nonce: 10,
  profile: 265,
  submods: 266,
  status: 1000,
  trustVector: 1001,
  policyId: 1003,
  verifierId: 1004,
} as const;
const VERIFIER_ID_KEYS = { build: 0, developer: 1 } as const;
/** Unregistered extension claim (text key): what the verifier saw, for people and audits. */
export const ANNOTATIONS_KEY = 'vtpm.annotations';

/** Annotation values: plain data that encodes to CBOR unambiguously. */
export type AnnotationValue = string | number | boolean | Buffer;

export interface Appraisal {
  status: TrustTier;
  trustVector: TrustVector;
  policyId?: string;
  annotations?: Record<string, AnnotationValue>;
}

export interface AttestationResult {
  profile: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  verifier: { build: string; developer: string };
  /** The nonce of the appraisal, binding the result to the relying party's request. */
  nonce?: Buffer;
  submods: Record<string, Appraisal>;
}

function encodeAppraisal(a: Appraisal): Map<number | string, unknown> {
  const vector = new Map(TRUST_CLAIM_NAMES.filter((c) => a.trustVector[c] !== TRUST_TIER.none).map((c) => [TRUST_CLAIMS[c], a.trustVector[c]]));
  const m = new Map<number | string, unknown>([
    [EAR_KEYS.status, a.status],
    [EAR_KEYS.trustVector, vector],
  ]);
  if (a.policyId !== undefined) m.set(EAR_KEYS.policyId, a.policyId);
  if (a.annotations) m.set(ANNOTATIONS_KEY, new Map(Object.entries(a.annotations)));
  return m;
}

/** The EAR claims-set as CBOR (the COSE_Sign1 payload). */
export function encodeAttestationResult(r: AttestationResult): Buffer {
  const m = new Map<number, unknown>([
    [EAR_KEYS.profile, r.profile],
    [EAR_KEYS.iat, r.issuedAt],
    [EAR_KEYS.verifierId, new Map([[VERIFIER_ID_KEYS.build, r.verifier.build], [VERIFIER_ID_KEYS.developer, r.verifier.developer]])],
    [EAR_KEYS.submods, new Map(Object.entries(r.submods).map(([name, a]) => [name, encodeAppraisal(a)]))],
  ]);
  if (r.nonce) m.set(EAR_KEYS.nonce, r.nonce);
  return encodeCbor(m);
}

function tier(value: unknown, what: string): TrustTier {
  if (!isTrustTier(value)) refuse('malformed-result', `${what} is ${String(value)}, not a trust tier (0, 2, 32, 96)`);
  return value;
}

function decodeAppraisal(m: CborMap, name: string): Appraisal {
  m.onlyKeys([EAR_KEYS.status, EAR_KEYS.trustVector, EAR_KEYS.policyId, ANNOTATIONS_KEY]);
  const trustVector = emptyTrustVector();
  const claimByKey = new Map<unknown, keyof TrustVector>(TRUST_CLAIM_NAMES.map((c) => [TRUST_CLAIMS[c], c]));
  for (const [key, value] of m.child(EAR_KEYS.trustVector, 'ear.trustworthiness-vector').entries()) {
    const claim = claimByKey.get(key) ?? refuse('malformed-result', `submod ${name}: unknown trustworthiness claim ${String(key)}`);
    trustVector[claim] = tier(value, `submod ${name} claim ${claim}`);
  }
  const appraisal: Appraisal = { status: tier(m.int(EAR_KEYS.status, 'ear.status'), `submod ${name} ear.status`), trustVector };
  const policyId = m.optionalText(EAR_KEYS.policyId, 'ear.appraisal-policy-id');
  if (policyId !== undefined) appraisal.policyId = policyId;
  const annotations = m.optionalChild(ANNOTATIONS_KEY, ANNOTATIONS_KEY);
  if (annotations) {
    appraisal.annotations = {};
    for (const [k, v] of annotations.entries()) {
      if (typeof k !== 'string') refuse('malformed-result', `submod ${name}: annotation key ${String(k)} is not text`);
      if (!['string', 'number', 'boolean'].includes(typeof v) && !(v instanceof Uint8Array)) refuse('malformed-result', `submod ${name}: annotation ${k} is not plain data`);
      appraisal.annotations[k] = v instanceof Uint8Array ? Buffer.from(v) : (v as AnnotationValue);
    }
  }
  return appraisal;
}

/** Parses and validates an EAR claims-set; refusals here are 'malformed-result'. */
export function decodeAttestationResult(bytes: Uint8Array): AttestationResult {
  try {
    const m = CborMap.from(decodeCbor(bytes, 'the attestation result'), 'attestation result').onlyKeys(Object.values(EAR_KEYS));
    const profile = m.text(EAR_KEYS.profile, 'eat_profile');
    if (profile !== EAR_PROFILE) refuse('malformed-result', `eat_profile is ${profile}, not ${EAR_PROFILE}`);
    const verifier = m.child(EAR_KEYS.verifierId, 'ear.verifier-id').onlyKeys(Object.values(VERIFIER_ID_KEYS));
    const submods: Record<string, Appraisal> = {};
    for (const [name, value] of m.child(EAR_KEYS.submods, 'submods').entries()) {
      if (typeof name !== 'string') refuse('malformed-result', `submod name ${String(name)} is not text`);
      submods[name] = decodeAppraisal(CborMap.from(value, `submod ${name}`), name);
    }
    if (!Object.keys(submods).length) refuse('malformed-result', 'no appraisal in submods');
    const result: AttestationResult = {
      profile,
      issuedAt: m.uint(EAR_KEYS.iat, 'iat'),
      verifier: { build: verifier.text(VERIFIER_ID_KEYS.build, 'build'), developer: verifier.text(VERIFIER_ID_KEYS.developer, 'developer') },
      submods,
    };
    const nonce = m.optionalBytes(EAR_KEYS.nonce, 'eat_nonce');
    if (nonce) result.nonce = nonce;
    return result;
  } catch (e) {
    // The shared CBOR readers say malformed-evidence; for a result that is malformed-result.
    if (e instanceof RefusalError && e.reason === 'malformed-evidence') refuse('malformed-result', e.message.slice('malformed-evidence: '.length));
    throw e;
  }
}
