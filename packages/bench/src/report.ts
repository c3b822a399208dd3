import type { BenchOptions, BenchReport, WorkloadResult } from './benchmark.js';
import { formatRate, formatRatio, formatTable } from './table.js';

/** The goals this benchmark exists to check. */
export const TARGETS = { socketOverSwtpm: 2, inProcessOverSwtpmSocket: 10 } as const;

const ratio = (a: WorkloadResult['swtpm'], b: WorkloadResult['swtpm']) => (a && b ? a.opsPerSecond / b.opsPerSecond : undefined);

export function formatReport(report: BenchReport, options: BenchOptions): string {
  const b = options.budget;
  const budget = b.ops !== undefined ? `${b.ops} ops${b.seconds !== undefined ? ` (at most ${b.seconds} s)` : ''}` : `${b.seconds} s`;
  const out = [
    'vtpm benchmark: one sequential client, one persistent TCP connection (TCP_NODELAY), command bytes marshalled once and resent',
    `targets: vtpm socket >= ${TARGETS.socketOverSwtpm}x swtpm socket; vtpm in-process >= ${TARGETS.inProcessOverSwtpmSocket}x swtpm socket`,
    `swtpm:        ${report.swtpm ? `${report.swtpm.version}; ${report.swtpm.where}` : 'NOT MEASURED (not installed)'}`,
    `vtpm socket:  ${report.vtpmMssim}${options.vtpmProcess ? '' : '\n              (client and TPM share one CPU thread here; --vtpm-process runs vtpm as its own process, like swtpm)'}`,
    `placement:    ${report.cpu.description}`,
    `in-process:   execute() = tpm.execute(prebuilt bytes); TpmClient = typed client over InProcessTransport, marshalling each call`,
    `each cell:    median of ${options.rounds} rounds (interleaved across the row's targets), each ${budget} after ${b.warmupSeconds} s warm-up;`,
    '              every response checked for TPM_RC_SUCCESS',
    '',
  ];
  const header = ['protocol: workload', 'swtpm ops/s', 'vtpm socket ops/s', 'ratio', 'vtpm execute() ops/s', 'ratio', 'vtpm TpmClient ops/s', 'ratio'];
  const rows = report.results.map((r) => [
    `${r.protocol === 'mssim' ? 'mssim' : 'swtpm-proto'}: ${r.workload}`,
    formatRate(r.swtpm?.opsPerSecond),
    formatRate(r.vtpmSocket?.opsPerSecond),
    formatRatio(r.vtpmSocket?.opsPerSecond, r.swtpm?.opsPerSecond),
    r.vtpmExecute ? formatRate(r.vtpmExecute.opsPerSecond) : '',
    r.vtpmExecute ? formatRatio(r.vtpmExecute.opsPerSecond, r.swtpm?.opsPerSecond) : '',
    r.vtpmClient ? formatRate(r.vtpmClient.opsPerSecond) : '',
    r.vtpmClient ? formatRatio(r.vtpmClient.opsPerSecond, r.swtpm?.opsPerSecond) : '',
  ]);
  out.push(formatTable(header, rows), '');
  out.push('ratio = vtpm / swtpm over the mssim socket of the same row (swtpm-proto rows: over the raw swtpm data port).');
  for (const d of new Map(report.results.map((r) => [r.workload, r.description]))) out.push(`  ${d[0]}: ${d[1]}`);

  const measured = report.results.filter((r) => r.swtpm);
  if (measured.length) {
    const socketMet = measured.filter((r) => (ratio(r.vtpmSocket, r.swtpm) ?? 0) >= TARGETS.socketOverSwtpm).length;
    const mssimRows = measured.filter((r) => r.vtpmExecute);
    const inProcessMet = mssimRows.filter((r) => (ratio(r.vtpmExecute, r.swtpm) ?? 0) >= TARGETS.inProcessOverSwtpmSocket).length;
    out.push('', `targets met: socket >= ${TARGETS.socketOverSwtpm}x in ${socketMet}/${measured.length} rows; in-process execute() >= ${TARGETS.inProcessOverSwtpmSocket}x in ${inProcessMet}/${mssimRows.length} rows`);
  }
  for (const n of report.notes) out.push('', n);
  return out.join('\n');
}

/** Machine-readable form: rates in ops/s, ratios against swtpm. */
export function toJson(report: BenchReport, options: BenchOptions): unknown {
  return {
    targets: TARGETS,
    budget: options.budget,
    rounds: options.rounds,
    cpu: report.cpu,
    swtpm: report.swtpm,
    vtpm: { mssim: report.vtpmMssim, swtpmProtocol: report.vtpmSwtpm, process: options.vtpmProcess },
    notes: report.notes,
    results: report.results.map((r) => ({
      ...r,
      ratios: {
        vtpmSocket: ratio(r.vtpmSocket, r.swtpm) ?? null,
        vtpmExecute: ratio(r.vtpmExecute, r.swtpm) ?? null,
        vtpmClient: ratio(r.vtpmClient, r.swtpm) ?? null,
      },
    })),
  };
}
