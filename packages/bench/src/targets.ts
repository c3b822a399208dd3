import { planPlacement, pinToCpu, type CpuPlan, type Placement } from './cpuPlacement.js';
import { mssimPowerOn } from './rawTpmSocket.js';
import { SwtpmProcess } from './swtpmProcess.js';
import { startChildMssim, startChildSwtpm, startInProcessMssim, startInProcessSwtpm, type VtpmMssimTarget, type VtpmSocketTarget } from './vtpmTargets.js';

export interface TargetOptions {
  host: string;
  /** swtpm on portBase (+1 control), vtpm mssim on portBase+2 (+1 platform), vtpm swtpm-protocol on portBase+4 (+1 control). */
  portBase: number;
  placement: Placement;
  /** Run vtpm as a child process (the CLI) instead of a server inside this process. */
  vtpmProcess: boolean;
  /** Also start vtpm's swtpm-protocol server. */
  swtpmProto: boolean;
}

/** The servers a run talks to, pinned as planned; `stop` ends them all. */
export interface Targets {
  cpu: CpuPlan;
  /** null when swtpm is not installed. */
  swtpm: SwtpmProcess | null;
  mssim: VtpmMssimTarget;
  /** null when not asked for or unavailable. */
  vtpmSwtpm: VtpmSocketTarget | null;
  stop(): Promise<void>;
}

/** Starts swtpm (if installed) and vtpm's servers; problems that leave a column empty go to `notes`. */
export async function startTargets(options: TargetOptions, notes: string[], progress: (line: string) => void): Promise<Targets> {
  const { host, portBase } = options;
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
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
    return { cpu, swtpm, mssim, vtpmSwtpm, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
