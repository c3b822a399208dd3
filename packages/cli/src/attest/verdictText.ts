import { algName, hashAlgorithm } from '@vtpm/tpm';
import { TRUST_CLAIM_NAMES, TRUST_TIER, describePcrSelection, tierName, type Appraisal, type VerifiedQuote } from '@vtpm/attest';

/** What an accepted quote vouches for, for people: the AK, the PCRs and their values, the TPM's clock. */
export function verifiedQuoteText(quote: VerifiedQuote): string[] {
  const clock = quote.clockInfo;
  const lines = [
    `quote verified: AK ${quote.akName.toString('hex')}, ${algName(quote.hashAlg).toLowerCase()} signature, PCRs ${describePcrSelection(quote.pcrSelection)}`,
    `  clock ${clock.clock} ms, reset count ${clock.resetCount}, restart count ${clock.restartCount}, ${quote.safe ? 'safe' : 'not safe'}`,
  ];
  for (const [bank, values] of quote.pcrValues) {
    for (const [pcr, value] of [...values].sort(([a], [b]) => a - b)) lines.push(`  ${hashAlgorithm(bank).name} ${String(pcr).padStart(2)}: ${value.toString('hex')}`);
  }
  return lines;
}

/** The appraisal's status and the claims it makes (claims without a statement are left out). */
export function appraisalText(name: string, appraisal: Appraisal): string[] {
  const lines = [`appraisal (${name}, policy ${appraisal.policyId ?? 'none'}): ${tierName(appraisal.status)}`];
  for (const claim of TRUST_CLAIM_NAMES) {
    const tier = appraisal.trustVector[claim];
    if (tier !== TRUST_TIER.none) lines.push(`  ${claim.padEnd(18)} ${tierName(tier)}`);
  }
  for (const [key, value] of Object.entries(appraisal.annotations ?? {})) {
    if (key === 'ak' || key.endsWith('.problems') || key === 'event-log') lines.push(`  ${key}: ${String(value)}`);
  }
  return lines;
}

/** Reference-value violations: the claims fed by PCRs that came out contraindicated, with why. */
export function contraindications(appraisal: Appraisal): string[] {
  return Object.entries(appraisal.annotations ?? {})
    .filter(([key]) => key.endsWith('.problems'))
    .map(([key, value]) => `${key.slice(0, -'.problems'.length)}: ${String(value)}`);
}
