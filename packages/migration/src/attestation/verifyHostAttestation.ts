import { compareWithExpectedPcrs, decodeEvidence, describeMismatch, parseEventLog, verifyQuote } from '@vtpm/attest';
import { QUOTED_PCRS, pcrSelectionOf } from '@vtpm/hypervisor';
import { TPM_ALG } from '@vtpm/tpm';
import type { MigrationPolicy } from './migrationPolicy.js';

export interface AttestationOutcome {
  ok: boolean;
  policyId: string;
  /** Machine-readable: the @vtpm/attest reason, or ak-not-trusted, event-log-mismatch, pcr-mismatch. */
  reason?: string;
  message: string;
  akName?: string;
  /** Reference-value PCRs the host does not match, ascending. */
  failingPcrs: number[];
}

/** Which end of the migration is appraised: only the wording of the outcome differs. */
export type AttestedRole = 'destination' | 'source';

/**
 * Appraisal of a migration host (the destination by the source, and the source by a destination
 * that requires mutual attestation): the quote verifies with its AK over exactly the expected
 * qualifyingData, its event log replays to the quoted PCRs, and those PCRs equal the policy's
 * reference values.
 */
export function verifyHostAttestation(evidenceBytes: Buffer, expectedQualifyingData: Buffer, policy: MigrationPolicy, role: AttestedRole): AttestationOutcome {
  const refuse = (reason: string, message: string, failingPcrs: number[] = [], akName?: string): AttestationOutcome => ({ ok: false, policyId: policy.id, reason, message, failingPcrs, akName });
  const evidence = decodeEvidence(evidenceBytes);
  if (!evidence.ok) return refuse(evidence.reason, evidence.message);
  const e = evidence.value;
  const quote = verifyQuote({ attest: e.quote, signature: e.signature, akPublic: e.akPublic, nonce: expectedQualifyingData, pcrSelection: pcrSelectionOf(QUOTED_PCRS), pcrValues: e.pcrValues });
  if (!quote.ok) return refuse(quote.reason, quote.message);
  const akName = quote.value.akName.toString('hex');
  if (policy.trustedAkNames && !policy.trustedAkNames.some((n) => n.toString('hex') === akName)) {
    return refuse('ak-not-trusted', `ak-not-trusted: the ${role}'s AK ${akName} is not one the policy ${policy.id} trusts`, [], akName);
  }
  if (!e.eventLog) return refuse('event-log-mismatch', `event-log-mismatch: the ${role} sent no event log`, [], akName);
  const replay = compareWithExpectedPcrs(parseEventLog(e.eventLog), quote.value.pcrValues);
  if (!replay.ok) return refuse('event-log-mismatch', `event-log-mismatch: the event log does not replay to the quoted PCRs: ${replay.mismatches.map(describeMismatch).join('; ')}`, replay.mismatches.map((m) => m.pcr), akName);
  const quoted = quote.value.pcrValues.get(TPM_ALG.SHA256);
  const failingPcrs = [...policy.referencePcrs].filter(([pcr, value]) => !quoted?.get(pcr) || !Buffer.from(quoted.get(pcr)!).equals(value)).map(([pcr]) => pcr).sort((a, b) => a - b);
  if (failingPcrs.length) return refuse('pcr-mismatch', `pcr-mismatch: the ${role}'s boot measurements differ from policy ${policy.id} in PCR ${failingPcrs.join(', ')}`, failingPcrs, akName);
  return { ok: true, policyId: policy.id, message: `${role} attested: AK ${akName}, PCRs ${[...policy.referencePcrs.keys()].join(', ')} match policy ${policy.id}`, akName, failingPcrs: [] };
}
