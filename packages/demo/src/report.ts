import { eventTypeName, hashAlgorithmName } from '@vtpm/attest';
import type { AttestationDemoResult } from './attestationDemo.js';
import type { PcrComparison } from './pcrComparison.js';

const SHA256 = 0x000b;
const hex = (b: Buffer | undefined, full: boolean) => (!b ? '(none)' : full ? b.toString('hex') : `${b.toString('hex').slice(0, 24)}…`);

function pcrTable(comparison: PcrComparison[], full: boolean): string[] {
  const width = full ? 64 : 25;
  const lines = [`  ${'PCR'.padEnd(4)}| ${'TPM value (sha256)'.padEnd(width)} | ${'replayed from log'.padEnd(width)} | match (all banks)`];
  lines.push(`  ${'-'.repeat(4)}+${'-'.repeat(width + 2)}+${'-'.repeat(width + 2)}+${'-'.repeat(18)}`);
  for (const c of comparison) {
    const s = c.banks.find((b) => b.bank === SHA256);
    const verdict = c.match ? `yes (${c.banks.length} banks)` : `NO: ${c.banks.filter((b) => !b.match).map((b) => hashAlgorithmName(b.bank)).join(', ')}`;
    lines.push(`  ${String(c.pcr).padEnd(4)}| ${hex(s?.tpm, full).padEnd(width)} | ${hex(s?.replayed, full).padEnd(width)} | ${verdict}`);
  }
  return lines;
}

export function formatReport(r: AttestationDemoResult, full = false): string {
  const banks = r.log.banks.map((d) => hashAlgorithmName(d.algorithmId));
  const out: string[] = [];
  out.push('vtpm attestation demo: measured boot -> TCG event log -> replay -> compare with the TPM', '');
  out.push(`1. The platform booted and measured ${r.measurements.length} events into an in-process vtpm (banks: ${banks.join(', ')}):`);
  for (const m of r.measurements) out.push(`     PCR ${String(m.pcrIndex).padStart(2)}  ${eventTypeName(m.eventType).padEnd(34)} ${m.stage}`);
  out.push('', `2. It wrote the event log (TCG PC Client crypto-agile format, "Spec ID Event03" header):`, `     ${r.logFile}`);
  out.push('', '3. A verifier parsed that file, replayed every bank with node:crypto, and read the PCRs from the TPM:');
  out.push(...pcrTable(r.comparison, full));
  const bad = r.comparison.filter((c) => !c.match);
  out.push(bad.length === 0 ? `     All ${r.comparison.length} PCRs x ${banks.length} banks: the TPM's values equal the log's replay.` : `     MISMATCH in PCR ${bad.map((c) => c.pcr).join(', ')}: the log does not explain the TPM's state.`);

  out.push('', '4. tpm2-tools cross-check:');
  if ('skipped' in r.tpm2Eventlog) out.push(`     skipped: ${r.tpm2Eventlog.skipped}. With tpm2-tools installed, view the log with: tpm2_eventlog ${r.logFile}`);
  else {
    const { result, comparison } = r.tpm2Eventlog;
    const toolBad = comparison.filter((c) => !c.match);
    out.push(`     \`${result.command}\` exited ${result.exitCode}, listed ${result.eventCount} events (the Spec ID header and ${r.log.events.length} measurements).`);
    out.push(toolBad.length === 0 ? `     Its own replay ("pcrs:") equals the TPM for all ${comparison.length} PCRs x ${banks.length} banks.` : `     Its replay DIFFERS from the TPM in PCR ${toolBad.map((c) => c.pcr).join(', ')}.`);
    for (const c of result.complaints) out.push(`     tpm2_eventlog complained: ${c}`);
    out.push(`     View the decoded log yourself: tpm2_eventlog ${r.logFile}`);
  }

  out.push('', 'What this shows:');
  out.push('  A PCR can only be extended (PCR = H(PCR || digest)), never set, so its value is a hash chain over every');
  out.push('  measurement since reset. The event log is untrusted: anyone can write one. It is believed only because');
  out.push('  replaying it reproduces the TPM\'s PCRs; change, drop or reorder one event and the replay no longer matches.');
  out.push('  A remote verifier gets the PCRs signed by the TPM (a quote) instead of reading them directly; the next');
  out.push('  step of the demo series checks such a quote, then judges the replayed events against reference values');
  out.push('  (expected firmware, boot loader and kernel hashes, Secure Boot on).');
  out.push('', r.ok ? 'Result: OK' : 'Result: FAILED');
  return out.join('\n');
}
