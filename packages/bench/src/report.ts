import { attestSection } from './attestReport.js';
import type { BenchOptions, BenchReport } from './benchmark.js';
import { coreSection } from './coreReport.js';
import { GOALS } from './goals.js';
import { keysSection } from './keysReport.js';
import type { ReportSection } from './reportSection.js';
import { rateRatio } from './table.js';

/** The core suite's goals (kept under this name for the JSON output); every goal is in GOALS. */
export const TARGETS = { socketOverSwtpm: GOALS.socketOverSwtpm, inProcessOverSwtpmSocket: GOALS.inProcessOverSwtpmSocket } as const;

function budgetText(options: BenchOptions): string {
  const b = options.budget;
  return b.ops !== undefined ? `${b.ops} ops${b.seconds !== undefined ? ` (at most ${b.seconds} s)` : ''}` : `${b.seconds} s`;
}

export function formatReport(report: BenchReport, options: BenchOptions): string {
  const out = [
    `vtpm benchmark (suites: ${report.suites.join(', ')}): one sequential client, one persistent TCP connection (TCP_NODELAY) per round`,
    `swtpm:        ${report.swtpm ? `${report.swtpm.version}; ${report.swtpm.where}` : 'NOT MEASURED (not installed)'}`,
    `vtpm socket:  ${report.vtpmMssim}${options.vtpmProcess ? '' : '\n              (client and TPM share one CPU thread here; --vtpm-process runs vtpm as its own process, like swtpm)'}`,
    `placement:    ${report.cpu.description}`,
    `each cell:    median of ${options.rounds} rounds (interleaved across the row's targets), each ${budgetText(options)} after ${options.budget.warmupSeconds} s warm-up;`,
    '              every response checked for TPM_RC_SUCCESS',
    '',
  ];
  const sections: ReportSection[] = [];
  if (report.suites.includes('core')) sections.push(coreSection(report.results));
  if (report.keys) sections.push(keysSection(report.keys));
  if (report.attest) sections.push(attestSection(report.attest));
  for (const s of sections) out.push(...s.lines, '');
  out.push('TARGETS MET', ...sections.map((s) => `  ${s.summary}`));
  for (const n of report.notes) out.push('', n);
  return out.join('\n');
}

/** Machine-readable form: rates in ops/s, ratios against swtpm (attestation: against node:crypto). */
export function toJson(report: BenchReport, options: BenchOptions): unknown {
  return {
    targets: TARGETS,
    goals: GOALS,
    suites: report.suites,
    budget: options.budget,
    rounds: options.rounds,
    cpu: report.cpu,
    swtpm: report.swtpm,
    vtpm: { mssim: report.vtpmMssim, swtpmProtocol: report.vtpmSwtpm, process: options.vtpmProcess },
    notes: report.notes,
    results: report.results.map((r) => ({
      ...r,
      ratios: {
        vtpmSocket: rateRatio(r.vtpmSocket, r.swtpm) ?? null,
        vtpmExecute: rateRatio(r.vtpmExecute, r.swtpm) ?? null,
        vtpmClient: rateRatio(r.vtpmClient, r.swtpm) ?? null,
      },
    })),
    ...(report.keys ? { keys: report.keys.map((r) => ({ ...r, ratios: { vtpmSocket: rateRatio(r.vtpmSocket, r.swtpm) ?? null, vtpmInProcess: rateRatio(r.vtpmInProcess, r.swtpm) ?? null } })) } : {}),
    ...(report.attest
      ? {
          attest: {
            quoteVerification: report.attest.quoteVerification.map((r) => ({ ...r, shareOfNodeVerify: rateRatio(r.verifyQuote, r.nodeVerify) ?? null })),
            eventLog: report.attest.eventLog ?? null,
            quotes: report.attest.quotes.map((r) => ({ ...r, ratios: { vtpmSocket: rateRatio(r.vtpmSocket, r.swtpm) ?? null, vtpmInProcess: rateRatio(r.vtpmInProcess, r.swtpm) ?? null } })),
          },
        }
      : {}),
  };
}
