import { TPM2B_PUBLIC, marshal, objectName } from '@vtpm/tpm';
import { TRUST_TIER, judge, readPublicArea, refuse, statusOf, type AppraisalOutcome, type Evidence, type Verdict } from '@vtpm/attest';

/**
 * `--ak-public FILE`: the AK the verifier's operator trusts (enrolled out of band). The evidence
 * must be signed by that AK: its AK is replaced by the pinned one after their Names are compared,
 * so the signature is checked with the key the operator supplied, never with one the evidence brings.
 */
export function withPinnedAk(evidence: Evidence, pinned: Buffer): Verdict<Evidence> {
  return judge(() => {
    const pinnedAk = readPublicArea(pinned, '--ak-public');
    const pinnedName = objectName(pinnedAk);
    const carriedName = objectName(readPublicArea(evidence.akPublic, 'the evidence AK'));
    if (!pinnedName.equals(carriedName)) {
      refuse('ak-name-mismatch', `the evidence carries AK ${carriedName.toString('hex')}, not the AK of --ak-public (${pinnedName.toString('hex')})`);
    }
    return { ...evidence, akPublic: marshal(TPM2B_PUBLIC, pinnedAk) };
  });
}

/**
 * The CLI has no registrar, so appraise() finds no enrolment and contraindicates
 * instance-identity; an AK the operator pinned is recognised, so its accepted quote affirms it.
 * hardware stays without a claim: nothing here validated an EK certificate.
 */
export function affirmPinnedAk(outcome: AppraisalOutcome): void {
  if (!outcome.quote) return;
  for (const appraisal of Object.values(outcome.result.submods)) {
    appraisal.trustVector['instance-identity'] = TRUST_TIER.affirming;
    appraisal.status = statusOf(appraisal.trustVector);
    if (appraisal.annotations) appraisal.annotations['ak'] = 'pinned by the verifier (--ak-public), not enrolled through an EK';
  }
}
