import { InProcessTransport, TpmClient } from '@vtpm/tpm';
import { measureInterleaved, type Cell, type MedianRate } from './interleavedRounds.js';
import { RawTpmSocket, type Framing } from './rawTpmSocket.js';
import type { Targets } from './targets.js';
import { measureAsync, measureSync, type Budget, type Rate } from './timing.js';
import { ensureStartup, startedTpm } from './tpmStartup.js';
import { expectSuccess, prepareWorkloads, type PreparedWorkload, type Workload } from './workloads.js';

/** The core suite: single commands, marshalled once and resent, over both socket protocols and in-process. */

export interface WorkloadResult {
  /** Data-port protocol of the socket columns. */
  protocol: Framing;
  workload: string;
  description: string;
  swtpm?: MedianRate;
  vtpmSocket?: MedianRate;
  /** Raw `tpm.execute(bytes)` in this process (mssim rows only: no socket involved). */
  vtpmExecute?: MedianRate;
  /** The typed TpmClient over InProcessTransport, marshalling every call (mssim rows only). */
  vtpmClient?: MedianRate;
}

type RateColumn = 'swtpm' | 'vtpmSocket' | 'vtpmExecute' | 'vtpmClient';

/** Measures one workload over a fresh connection: Startup (already done is fine), warm-up, timed loop. */
async function socketRate(host: string, port: number, framing: Framing, w: PreparedWorkload, budget: Budget): Promise<Rate> {
  const tpm = await RawTpmSocket.connect(host, port, framing);
  try {
    await ensureStartup(tpm);
    return await measureAsync(async () => expectSuccess(w.name, await tpm.send(w.command)), budget);
  } finally {
    await tpm.close();
  }
}

/** Every selected workload on every target: mssim rows (with the in-process columns), then swtpm-protocol rows. */
export async function runCoreSuite(
  selected: readonly Workload[],
  targets: Targets,
  options: { host: string; budget: Budget; rounds: number; swtpmProto: boolean },
  notes: string[],
  progress: (line: string) => void,
): Promise<WorkloadResult[]> {
  const { host, budget, rounds } = options;
  const { swtpm, mssim, vtpmSwtpm } = targets;
  const { prepared: workloads, failed } = await prepareWorkloads(selected);
  for (const f of failed) notes.push(`!!! ${f.workload.name} NOT MEASURED: preparing its command failed in-process: ${f.error.message}`);

  const results: WorkloadResult[] = [];
  for (const w of workloads) {
    progress(`mssim  ${w.name}`);
    const tpm = await startedTpm();
    const client = new TpmClient(new InProcessTransport(await startedTpm()));
    const cells: Cell<RateColumn>[] = [
      { column: 'vtpmSocket', measure: () => socketRate(host, mssim.port, 'mssim', w, budget) },
      { column: 'vtpmExecute', measure: async () => measureSync(() => expectSuccess(w.name, tpm.execute(w.command)), budget) },
      { column: 'vtpmClient', measure: () => measureAsync(() => w.run(client), budget) },
    ];
    if (swtpm) cells.unshift({ column: 'swtpm', measure: () => socketRate(host, swtpm.port, 'mssim', w, budget) });
    results.push({ protocol: 'mssim', workload: w.name, description: w.description, ...(await measureInterleaved(cells, rounds)) });
  }
  if (options.swtpmProto) {
    for (const w of workloads) {
      progress(`swtpm  ${w.name}`);
      const cells: Cell<RateColumn>[] = [];
      if (swtpm) cells.push({ column: 'swtpm', measure: () => socketRate(host, swtpm.port, 'swtpm', w, budget) });
      if (vtpmSwtpm) cells.push({ column: 'vtpmSocket', measure: () => socketRate(host, vtpmSwtpm.port, 'swtpm', w, budget) });
      results.push({ protocol: 'swtpm', workload: w.name, description: w.description, ...(await measureInterleaved(cells, rounds)) });
    }
  }
  return results;
}
