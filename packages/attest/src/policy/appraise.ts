import { algName, selectedPcrs, type ClockInfo } from '@vtpm/tpm';
import type { EnrolledAk } from '../enrolment/enrolledAk.js';
import { decodeEvidence, type Evidence } from '../evidence/evidenceBundle.js';
import type { Refused } from '../refusal.js';
import { verifyQuote, type VerifiedQuote } from '../quote/verifyQuote.js';
import { EAR_PROFILE, type AnnotationValue, type AttestationResult } from '../results/attestationResult.js';
import { TRUST_TIER, emptyTrustVector, statusOf, type TrustClaim, type TrustTier, type TrustVector } from '../results/trustVector.js';
import { checkEventLog, pcrKey, type EventLogProblems } from './eventLogCheck.js';
import { PC_CLIENT_CLAIM_PCRS, type HostClassPolicy } from './referenceValues.js';

/** What the verifier knows besides the evidence: its own nonce, its enrolled AKs, the AK's last quote. */
export interface AppraisalContext {
  /** The nonce this verifier issued for this appraisal. */
  nonce: Uint8Array;
  /** The registrar's record for an AK Name, if it enrolled that AK. */
  enrolledAk: (akName: Buffer) => EnrolledAk | undefined;
  /** The last quote accepted from this AK (reboot and replay detection). */
  lastQuote?: { clockInfo: ClockInfo };
  verifier?: { build: string; developer: string };
  /** Name of the attester's entry in submods (default "tpm"). */
  submod?: string;
  now?: () => number;
}

export interface AppraisalOutcome {
  result: AttestationResult;
  /** The accepted quote (remember it as the next lastQuote), or null when refused. */
  quote: VerifiedQuote | null;
  refusal: Refused | null;
}

const DEFAULT_VERIFIER = { build: '@vtpm/attest 0.1.0', developer: 'vtpm' };

/** Per quoted (bank, PCR): 'match', a list of problems, or 'unjudged' when the policy has no reference for it. */
type PcrJudgement = 'match' | 'unjudged' | string[];

function judgePcrs(quote: VerifiedQuote, policy: HostClassPolicy, logProblems: EventLogProblems): Map<string, PcrJudgement> {
  const out = new Map<string, PcrJudgement>();
  for (const [bank, pcrs] of quote.pcrValues) {
    for (const [pcr, value] of pcrs) {
      const allowedValues = policy.allowedPcrValues?.get(bank)?.get(pcr);
      const key = pcrKey(bank, pcr);
      if (allowedValues) out.set(key, allowedValues.some((v) => v.equals(value)) ? 'match' : [`${algName(bank)} PCR ${pcr} = ${value.toString('hex')} is not an allowed value`]);
      else if (policy.allowedEventDigests?.get(bank)?.has(pcr)) out.set(key, logProblems.get(key) ?? 'match');
      else out.set(key, 'unjudged');
    }
  }
  return out;
}

/** A claim's tier from its PCRs: any problem contraindicates; all judged and matching affirms; partly judged warns. */
function claimTier(pcrs: readonly number[], judgements: Map<string, PcrJudgement>, quote: VerifiedQuote, problems: string[]): TrustTier {
  const mine: PcrJudgement[] = [];
  for (const [bank, values] of quote.pcrValues) for (const pcr of values.keys()) if (pcrs.includes(pcr)) mine.push(judgements.get(pcrKey(bank, pcr))!);
  const failed = mine.filter((j): j is string[] => Array.isArray(j));
  problems.push(...failed.flat());
  if (failed.length) return TRUST_TIER.contraindicated;
  const judged = mine.filter((j) => j === 'match').length;
  if (!judged) return TRUST_TIER.none;
  return judged === mine.length ? TRUST_TIER.affirming : TRUST_TIER.warning;
}

function quoteAnnotations(quote: VerifiedQuote): Record<string, AnnotationValue> {
  return {
    'ak-name': quote.akName.toString('hex'),
    'quote.hash': algName(quote.hashAlg),
    'quote.clock': Number(quote.clockInfo.clock),
    'quote.reset-count': quote.clockInfo.resetCount,
    'quote.restart-count': quote.clockInfo.restartCount,
    'quote.safe': quote.safe,
    'quote.rebooted': quote.rebooted,
    'quote.restarted': quote.restarted,
    'quote.clock-rolled-back': quote.clockRolledBack,
    'quote.firmware-version': quote.firmwareVersion.toString(16),
  };
}

/**
 * Appraises evidence against a host class's reference values (RFC 9334 Verifier): the quote is
 * verified (against this verifier's nonce and the policy's PCR selection), its AK must be
 * enrolled, each quoted PCR is judged by allowed values or by the event log's allowed digests,
 * and the outcome is an AR4SI trust vector in an EAR attestation result (sign it with signResult).
 *
 * instance-identity: the AK is enrolled (affirming) or not (contraindicated);
 * hardware: the enrolment validated an EK certificate (affirming) or had none (warning);
 * executables, configuration, file-system: from their PCRs (see PC_CLIENT_CLAIM_PCRS).
 * A refused quote contraindicates instance-identity and every PCR-based claim it would have fed.
 */
export function appraise(evidenceInput: Evidence | Uint8Array, policy: HostClassPolicy, context: AppraisalContext): AppraisalOutcome {
  const vector: TrustVector = emptyTrustVector();
  const annotations: Record<string, AnnotationValue> = { 'host-class': policy.hostClass };
  const claimPcrs = policy.claimPcrs ?? PC_CLIENT_CLAIM_PCRS;
  const result = (): AttestationResult => ({
    profile: EAR_PROFILE,
    issuedAt: Math.floor((context.now ?? Date.now)() / 1000),
    verifier: context.verifier ?? DEFAULT_VERIFIER,
    nonce: Buffer.from(context.nonce),
    submods: { [context.submod ?? 'tpm']: { status: statusOf(vector), trustVector: vector, policyId: policy.policyId, annotations } },
  });
  const refused = (refusal: Refused): AppraisalOutcome => {
    vector['instance-identity'] = TRUST_TIER.contraindicated;
    const requested = new Set(policy.pcrSelection.flatMap((s) => selectedPcrs(s.pcrSelect)));
    for (const [claim, pcrs] of Object.entries(claimPcrs) as [TrustClaim, readonly number[]][]) {
      if (pcrs.some((p) => requested.has(p))) vector[claim] = TRUST_TIER.contraindicated;
    }
    annotations['refusal.reason'] = refusal.reason;
    annotations['refusal.message'] = refusal.message;
    return { result: result(), quote: null, refusal };
  };

  const decoded = evidenceInput instanceof Uint8Array ? decodeEvidence(evidenceInput) : { ok: true as const, value: evidenceInput };
  if (!decoded.ok) return refused(decoded);
  const evidence = decoded.value;
  const verdict = verifyQuote(
    { attest: evidence.quote, signature: evidence.signature, akPublic: evidence.akPublic, nonce: context.nonce, pcrSelection: policy.pcrSelection, pcrValues: evidence.pcrValues },
    { ...policy.hashes, ...(context.lastQuote ? { lastQuote: context.lastQuote } : {}) },
  );
  if (!verdict.ok) return refused(verdict);
  const quote = verdict.value;
  Object.assign(annotations, quoteAnnotations(quote));

  const enrolled = context.enrolledAk(quote.akName);
  vector['instance-identity'] = enrolled ? TRUST_TIER.affirming : TRUST_TIER.contraindicated;
  if (!enrolled) annotations['ak'] = 'not enrolled: the quote may come from any key with these attributes';
  if (enrolled) vector.hardware = enrolled.ekCertificate ? TRUST_TIER.affirming : TRUST_TIER.warning;
  if (enrolled?.ekCertificate) {
    annotations['ek.manufacturer'] = enrolled.ekCertificate.tpm.manufacturer;
    annotations['ek.model'] = enrolled.ekCertificate.tpm.model;
    annotations['ek.version'] = enrolled.ekCertificate.tpm.version;
  }

  const logProblems = policy.allowedEventDigests ? checkEventLog(evidence.eventLog, quote.pcrValues, policy.allowedEventDigests) : new Map();
  annotations['event-log'] = evidence.eventLog ? (policy.allowedEventDigests ? 'replayed' : 'present, not used by this policy') : 'absent';
  const judgements = judgePcrs(quote, policy, logProblems);
  for (const [claim, pcrs] of Object.entries(claimPcrs) as [TrustClaim, readonly number[]][]) {
    const problems: string[] = [];
    vector[claim] = claimTier(pcrs, judgements, quote, problems);
    if (problems.length) annotations[`${claim}.problems`] = problems.join('; ');
  }
  return { result: result(), quote, refusal: null };
}
