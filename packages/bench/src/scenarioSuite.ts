import { InProcessTransport } from '@vtpm/tpm';
import type { MssimServer } from '@vtpm/server';
import { measureInterleaved, type Cell, type MedianRate } from './interleavedRounds.js';
import type { Scenario } from './scenario.js';
import { startNoopServer } from './noopTpm.js';
import { scenarioRate, socketScenarioRate } from './scenarioRate.js';
import type { Targets } from './targets.js';
import type { Budget } from './timing.js';
import { startedTpm } from './tpmStartup.js';

/** One scenario measured on swtpm and vtpm over the same (mssim-framed) socket, and on vtpm in-process. */
export interface ScenarioResult {
  name: string;
  description: string;
  commands: number;
  clientBuilt: boolean;
  swtpm?: MedianRate;
  vtpmSocket?: MedianRate;
  /** The same scenario over InProcessTransport (tpm.execute, no socket): what the TPM itself costs. */
  vtpmInProcess?: MedianRate;
  /**
   * vtpm's in-process mssim server around a NoopTpm (answers replayed, no TPM work): the most the
   * vtpm socket column can reach here. Only when vtpm's server runs in this process.
   */
  vtpmNoop?: MedianRate;
  /** Why the row has no numbers. */
  error?: string;
}

type ScenarioColumn = 'swtpm' | 'vtpmSocket' | 'vtpmInProcess' | 'vtpmNoop';

/**
 * Each scenario, one row at a time, rounds interleaved across swtpm, vtpm's socket, vtpm
 * in-process and (vtpm's server in this process) the same server with a no-op TPM. A scenario that
 * fails on one target leaves its row without numbers and says why.
 */
export async function runScenarioSuite(
  scenarios: readonly Scenario[],
  targets: Targets,
  options: { host: string; budget: Budget; rounds: number },
  progress: (line: string) => void,
): Promise<ScenarioResult[]> {
  const { host, budget, rounds } = options;
  const { swtpm, mssim } = targets;
  const results: ScenarioResult[] = [];
  for (const s of scenarios) {
    progress(`${s.name}`);
    const row: ScenarioResult = { name: s.name, description: s.description, commands: s.commands, clientBuilt: s.clientBuilt };
    const inProcess = new InProcessTransport(await startedTpm());
    const cells: Cell<ScenarioColumn>[] = [
      { column: 'vtpmSocket', measure: () => socketScenarioRate(host, mssim.port, s, budget) },
      { column: 'vtpmInProcess', measure: () => scenarioRate(inProcess, s, budget) },
    ];
    if (swtpm) cells.unshift({ column: 'swtpm', measure: () => socketScenarioRate(host, swtpm.port, s, budget) });
    let noop: MssimServer | undefined;
    try {
      // A no-op TPM needs answers a client accepts without checking session HMACs: pre-marshalled rows only.
      if (mssim.pid === undefined && !s.clientBuilt) {
        noop = await startNoopServer(host, s);
        const port = noop.port;
        cells.push({ column: 'vtpmNoop', measure: () => socketScenarioRate(host, port, s, budget) });
      }
      Object.assign(row, await measureInterleaved(cells, rounds));
    } catch (e) {
      row.error = (e as Error).message;
    } finally {
      await noop?.close();
    }
    results.push(row);
  }
  return results;
}
