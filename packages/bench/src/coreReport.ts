import type { WorkloadResult } from './coreSuite.js';
import { GOALS } from './goals.js';
import type { ReportSection } from './reportSection.js';
import { formatRate, formatRatio, formatTable, rateRatio } from './table.js';

/** The core suite's table, as it has always been printed. */
export function coreSection(results: readonly WorkloadResult[]): ReportSection {
  const lines = [
    `== core: single commands, marshalled once and resent (targets: vtpm socket >= ${GOALS.socketOverSwtpm}x swtpm socket; vtpm in-process >= ${GOALS.inProcessOverSwtpmSocket}x swtpm socket)`,
    'in-process:   execute() = tpm.execute(prebuilt bytes); TpmClient = typed client over InProcessTransport, marshalling each call',
    '',
  ];
  const header = ['protocol: workload', 'swtpm ops/s', 'vtpm socket ops/s', 'ratio', 'vtpm execute() ops/s', 'ratio', 'vtpm TpmClient ops/s', 'ratio'];
  const rows = results.map((r) => [
    `${r.protocol === 'mssim' ? 'mssim' : 'swtpm-proto'}: ${r.workload}`,
    formatRate(r.swtpm?.opsPerSecond),
    formatRate(r.vtpmSocket?.opsPerSecond),
    formatRatio(r.vtpmSocket?.opsPerSecond, r.swtpm?.opsPerSecond),
    r.vtpmExecute ? formatRate(r.vtpmExecute.opsPerSecond) : '',
    r.vtpmExecute ? formatRatio(r.vtpmExecute.opsPerSecond, r.swtpm?.opsPerSecond) : '',
    r.vtpmClient ? formatRate(r.vtpmClient.opsPerSecond) : '',
    r.vtpmClient ? formatRatio(r.vtpmClient.opsPerSecond, r.swtpm?.opsPerSecond) : '',
  ]);
  lines.push(formatTable(header, rows), '');
  lines.push('ratio = vtpm / swtpm over the mssim socket of the same row (swtpm-proto rows: over the raw swtpm data port).');
  for (const d of new Map(results.map((r) => [r.workload, r.description]))) lines.push(`  ${d[0]}: ${d[1]}`);

  const measured = results.filter((r) => r.swtpm);
  let summary = 'core:    not compared (no swtpm)';
  if (measured.length) {
    const socketMet = measured.filter((r) => (rateRatio(r.vtpmSocket, r.swtpm) ?? 0) >= GOALS.socketOverSwtpm).length;
    const mssimRows = measured.filter((r) => r.vtpmExecute);
    const inProcessMet = mssimRows.filter((r) => (rateRatio(r.vtpmExecute, r.swtpm) ?? 0) >= GOALS.inProcessOverSwtpmSocket).length;
    summary = `core:    socket >= ${GOALS.socketOverSwtpm}x in ${socketMet}/${measured.length} rows; in-process execute() >= ${GOALS.inProcessOverSwtpmSocket}x in ${inProcessMet}/${mssimRows.length} rows`;
    lines.push('', `targets met: socket >= ${GOALS.socketOverSwtpm}x in ${socketMet}/${measured.length} rows; in-process execute() >= ${GOALS.inProcessOverSwtpmSocket}x in ${inProcessMet}/${mssimRows.length} rows`);
  }
  return { lines, summary };
}
