import type { EventLogReport } from '@vtpm/attest';

/** An event log for people: one header line, each record with its digests, then the replayed PCRs. */
export function eventLogText(file: string, report: EventLogReport): string {
  const lines = [`${file}: ${report.format} event log, banks ${report.banks.join(', ')}, ${report.events.length} events${report.startupLocality !== undefined ? `, startup locality ${report.startupLocality}` : ''}`];
  const width = Math.max(...report.banks.map((b) => b.length));
  for (const event of report.events) {
    lines.push(`#${event.index} PCR ${event.pcr} ${event.typeName} (${event.size} bytes of event data)`);
    for (const [bank, digest] of Object.entries(event.digests)) lines.push(`    ${bank.padEnd(width)}  ${digest}`);
  }
  lines.push('replayed PCRs:');
  for (const [bank, pcrs] of Object.entries(report.pcrs)) {
    lines.push(`  ${bank}`);
    for (const [pcr, value] of Object.entries(pcrs)) lines.push(`    ${pcr.padStart(2)}: ${value}`);
  }
  return `${lines.join('\n')}\n`;
}
