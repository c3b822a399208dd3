import { InProcessTransport, TpmClient } from '@vtpm/tpm';
import { planPlacement, pinToCpu, type CpuPlan, type Placement } from './cpuPlacement.js';
import { mssimPowerOn, RawTpmSocket, type Framing } from './rawTpmSocket.js';
import { SwtpmProcess } from './swtpmProcess.js';
import { measureAsync, measureSync, medianRound, type Budget, type Rate } from './timing.js';
import { startChildMssim, startChildSwtpm, startInProcessMssim, startInProcessSwtpm, type VtpmMssimTarget, type VtpmSocketTarget } from './vtpmTargets.js';
import { expectSuccess, prepareWorkloads, responseCode, startedTpm, startupClearCommand, WORKLOADS, type PreparedWorkload } from './workloads.js';

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
  /** Also measure the raw swtpm data-port protocol against swtpm and vtpm. */
  swtpmProto: boolean;
  /** Workload names to run; all when empty. */
  workloads: string[];
}

export interface WorkloadResult {
  /** Data-port protocol of the socket columns. */
  protocol: Framing;
  workload: string;
  description: string;
  swtpm?: Rate;
  vtpmSocket?: Rate;
  /** Raw `tpm.execute(bytes)` in this process (mssim rows only: no socket involved). */
  vtpmExecute?: Rate;
  /** The typed TpmClient over InProcessTransport, marshalling every call (mssim rows only). */
  vtpmClient?: Rate;
}

export interface BenchReport {
  cpu: CpuPlan;
  swtpm: { version: string; where: string } | null;
  vtpmMssim: string;
  vtpmSwtpm: string | null;
  notes: string[];
  results: WorkloadResult[];
}

const TPM_RC_INITIALIZE = 0x100;

/** Measures one workload over a fresh connection: Startup (already done is fine), warm-up, timed loop. */
async function socketRate(host: string, port: number, framing: Framing, w: PreparedWorkload, budget: Budget): Promise<Rate> {
  const tpm = await RawTpmSocket.connect(host, port, framing);
  try {
    const rc = responseCode(await tpm.send(await startupClearCommand()));
    if (rc !== 0 && rc !== TPM_RC_INITIALIZE) throw new Error(`Startup: rc 0x${rc.toString(16)}`);
    return await measureAsync(async () => expectSuccess(w.name, await tpm.send(w.command)), budget);
  } finally {
    await tpm.close();
  }
}

type RateColumn = 'swtpm' | 'vtpmSocket' | 'vtpmExecute' | 'vtpmClient';
interface Cell {
  column: RateColumn;
  measure(): Promise<Rate>;
}

/** Measures a row's cells round by round in turn, so drift and noise spread over all of them; keeps each cell's median. */
async function measureRow(row: WorkloadResult, cells: Cell[], rounds: number): Promise<WorkloadResult> {
  const measured = new Map<RateColumn, Rate[]>(cells.map((c) => [c.column, []]));
  for (let i = 0; i < rounds; i++) for (const c of cells) measured.get(c.column)!.push(await c.measure());
  for (const [column, rates] of measured) row[column] = medianRound(rates);
  return row;
}

/** Starts what is available, measures every workload on every target, stops everything. */
export async function runBenchmark(options: BenchOptions, progress: (line: string) => void = () => {}): Promise<BenchReport> {
  const { host, portBase, budget } = options;
  const selected = WORKLOADS.filter((w) => options.workloads.length === 0 || options.workloads.includes(w.name));
  if (selected.length === 0) throw new Error(`no such workload; choose from ${WORKLOADS.map((w) => w.name).join(', ')}`);
  const notes: string[] = [];
  const { prepared: workloads, failed } = await prepareWorkloads(selected);
  for (const f of failed) notes.push(`!!! ${f.workload.name} NOT MEASURED: preparing its command failed in-process: ${f.error.message}`);
  const stops: (() => Promise<void>)[] = [];
  const cpu = planPlacement(options.placement);
  const pinServer = (name: string, pid: number | undefined) => {
    if (pid !== undefined && !pinToCpu(pid, cpu.serverCpu)) notes.push(`could not pin ${name} (pid ${pid}) to CPU ${cpu.serverCpu}`);
  };
  if (!pinToCpu(process.pid, cpu.clientCpu)) notes.push(`could not pin this process to CPU ${cpu.clientCpu}`);

  try {
    let swtpm: SwtpmProcess | null = null;
    const swtpmExe = SwtpmProcess.locate();
    if (!swtpmExe) notes.push('!!! swtpm IS NOT INSTALLED: only vtpm was measured, no comparison (apt-get install -y swtpm) !!!');
    else {
      progress(`starting swtpm on ${host}:${portBase}`);
      swtpm = await SwtpmProcess.start(host, portBase, swtpmExe);
      stops.push(() => swtpm!.stop());
      pinServer('swtpm', swtpm.pid);
    }

    progress(`starting vtpm mssim server on ${host}:${portBase + 2}`);
    const mssim: VtpmMssimTarget = options.vtpmProcess ? await startChildMssim(host, portBase + 2) : await startInProcessMssim(host, portBase + 2);
    stops.push(() => mssim.stop());
    pinServer('vtpm mssim', mssim.pid);
    await mssimPowerOn(host, mssim.platformPort);

    let vtpmSwtpm: VtpmSocketTarget | null = null;
    if (options.swtpmProto) {
      try {
        vtpmSwtpm = options.vtpmProcess ? await startChildSwtpm(host, portBase + 4) : await startInProcessSwtpm(host, portBase + 4);
        stops.push(() => vtpmSwtpm!.stop());
        pinServer('vtpm socket', vtpmSwtpm.pid);
      } catch (e) {
        notes.push(`vtpm swtpm-protocol server unavailable, its column is n/a: ${(e as Error).message.split('\n')[0]}`);
      }
    }

    const results: WorkloadResult[] = [];
    for (const w of workloads) {
      progress(`mssim  ${w.name}`);
      const tpm = await startedTpm();
      const client = new TpmClient(new InProcessTransport(await startedTpm()));
      const cells: Cell[] = [
        { column: 'vtpmSocket', measure: () => socketRate(host, mssim.port, 'mssim', w, budget) },
        { column: 'vtpmExecute', measure: async () => measureSync(() => expectSuccess(w.name, tpm.execute(w.command)), budget) },
        { column: 'vtpmClient', measure: () => measureAsync(() => w.run(client), budget) },
      ];
      if (swtpm) cells.unshift({ column: 'swtpm', measure: () => socketRate(host, swtpm!.port, 'mssim', w, budget) });
      results.push(await measureRow({ protocol: 'mssim', workload: w.name, description: w.description }, cells, options.rounds));
    }
    if (options.swtpmProto) {
      for (const w of workloads) {
        progress(`swtpm  ${w.name}`);
        const cells: Cell[] = [];
        if (swtpm) cells.push({ column: 'swtpm', measure: () => socketRate(host, swtpm!.port, 'swtpm', w, budget) });
        if (vtpmSwtpm) cells.push({ column: 'vtpmSocket', measure: () => socketRate(host, vtpmSwtpm!.port, 'swtpm', w, budget) });
        results.push(await measureRow({ protocol: 'swtpm', workload: w.name, description: w.description }, cells, options.rounds));
      }
    }
    return {
      cpu,
      swtpm: swtpm && { version: swtpm.version, where: `child process, ${host}:${swtpm.port} (control ${swtpm.port + 1}), --flags not-need-init,startup-clear` },
      vtpmMssim: mssim.where,
      vtpmSwtpm: vtpmSwtpm?.where ?? null,
      notes,
      results,
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  }
}
