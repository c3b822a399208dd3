import { EVENT_LOG_ROW, runAttestSuite, type AttestResults } from './attestSuite.js';
import { runCoreSuite, type WorkloadResult } from './coreSuite.js';
import type { CpuPlan, Placement } from './cpuPlacement.js';
import { DEFAULT_EVENT_LOG } from './eventLogRates.js';
import { QUOTE_VERIFICATION_NAMES } from './quoteVerificationRates.js';
import { runScenarioSuite, type ScenarioResult } from './scenarioSuite.js';
import { KEY_SCENARIOS, QUOTE_SCENARIOS } from './scenarios/index.js';
import { SUITES, type Suite } from './suites.js';
import { startTargets } from './targets.js';
import type { Budget } from './timing.js';
import { WORKLOADS } from './workloads.js';

export type { WorkloadResult } from './coreSuite.js';

export interface BenchOptions {
  host: string;
  /** swtpm on portBase (+1 control), vtpm mssim on portBase+2 (+1 platform), vtpm swtpm-protocol on portBase+4 (+1 control). */
  portBase: number;
  /** Per round; each cell is the median of `rounds` rounds, interleaved across targets. */
  budget: Budget;
  rounds: number;
  /** CPU placement of this process and the server processes (see cpuPlacement.ts). */
  placement: Placement;
  /** Run vtpm as a child process (the CLI) instead of a server inside this process. */
  vtpmProcess: boolean;
  /** Also measure the raw swtpm data-port protocol against swtpm and vtpm (core suite). */
  swtpmProto: boolean;
  /** Row names to run (any suite); all when empty. */
  workloads: string[];
  /** Suites to run; all when absent. */
  suites?: Suite[];
  /** The event log the attestation suite parses and replays; default rhel8-uefi.bin of packages/attest. */
  eventLogPath?: string;
}

export interface BenchReport {
  suites: Suite[];
  cpu: CpuPlan;
  swtpm: { version: string; where: string } | null;
  vtpmMssim: string;
  vtpmSwtpm: string | null;
  notes: string[];
  /** The core suite's rows (empty when it did not run). */
  results: WorkloadResult[];
  keys?: ScenarioResult[];
  attest?: AttestResults;
}

/** Every row name of every suite, for --workload. */
export function rowNames(suite: Suite): string[] {
  if (suite === 'core') return WORKLOADS.map((w) => w.name);
  if (suite === 'keys') return KEY_SCENARIOS.map((s) => s.name);
  return [...QUOTE_VERIFICATION_NAMES, EVENT_LOG_ROW, ...QUOTE_SCENARIOS.map((s) => s.name)];
}

/** Starts what is available, runs the selected suites' rows on every target, stops everything. */
export async function runBenchmark(options: BenchOptions, progress: (line: string) => void = () => {}): Promise<BenchReport> {
  const wanted = (name: string) => options.workloads.length === 0 || options.workloads.includes(name);
  const suites = (options.suites ?? [...SUITES]).filter((s) => rowNames(s).some(wanted));
  const known = (options.suites ?? [...SUITES]).flatMap(rowNames);
  const unknown = options.workloads.filter((w) => !known.includes(w));
  if (unknown.length || suites.length === 0) {
    throw new Error(`--workload ${unknown.join(', ')}: not a row of the suites run (${(options.suites ?? SUITES).join(', ')}); choose from ${known.join(', ')}`);
  }

  const notes: string[] = [];
  const run = suites.includes.bind(suites);
  const targets = await startTargets({ ...options, swtpmProto: options.swtpmProto && run('core') }, notes, progress);
  try {
    const results = run('core') ? await runCoreSuite(WORKLOADS.filter((w) => wanted(w.name)), targets, options, notes, progress) : [];
    const keys = run('keys') ? await runScenarioSuite(KEY_SCENARIOS.filter((s) => wanted(s.name)), targets, options, progress) : undefined;
    const attest = run('attest')
      ? await runAttestSuite(
          {
            quoteVerification: QUOTE_VERIFICATION_NAMES.filter(wanted),
            eventLog: wanted(EVENT_LOG_ROW),
            quotes: QUOTE_SCENARIOS.filter((s) => wanted(s.name)),
            eventLogPath: options.eventLogPath ?? DEFAULT_EVENT_LOG,
          },
          targets,
          options,
          progress,
        )
      : undefined;
    const { swtpm, mssim, vtpmSwtpm, cpu } = targets;
    return {
      suites,
      cpu,
      swtpm: swtpm && { version: swtpm.version, where: `child process, ${options.host}:${swtpm.port} (control ${swtpm.port + 1}), --flags not-need-init,startup-clear` },
      vtpmMssim: mssim.where,
      vtpmSwtpm: vtpmSwtpm?.where ?? null,
      notes,
      results,
      ...(keys ? { keys } : {}),
      ...(attest ? { attest } : {}),
    };
  } finally {
    await targets.stop();
  }
}
