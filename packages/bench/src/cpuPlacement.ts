import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * Where the benchmark client and the TPM server processes run. A sequential client ping-pongs with
 * its server, so the rate depends heavily on placement: on one CPU a request is a direct context
 * switch; across CPUs every request wakes an idle CPU (in a VM, an inter-processor interrupt and a
 * VM exit). On a 2-vCPU VM swtpm measured ~15k ops/s across CPUs and ~55k on one, flipping between
 * the two from run to run when the scheduler decides.
 *   same:  client and servers pinned to one CPU (stable; swtpm's best case)
 *   split: client on one CPU, servers on another (stable; the cross-CPU case)
 *   os:    no pinning; the scheduler decides (noisy)
 */
export type Placement = 'same' | 'split' | 'os';

export interface CpuPlan {
  placement: Placement;
  clientCpu?: number;
  serverCpu?: number;
  description: string;
}

export function planPlacement(wanted: Placement): CpuPlan {
  if (wanted === 'os') return { placement: 'os', description: 'not pinned: the OS scheduler places client and servers (noisy)' };
  if (!hasTaskset()) return { placement: 'os', description: `not pinned (asked for "${wanted}", but taskset is not installed): results are noisy` };
  const cpus = availableParallelism();
  if (wanted === 'split' && cpus >= 2) return { placement: 'split', clientCpu: 0, serverCpu: 1, description: 'client (this node process) on CPU 0, server processes on CPU 1' };
  const note = wanted === 'split' ? ' (asked for split, but there is one CPU)' : '';
  return { placement: 'same', clientCpu: 0, serverCpu: 0, description: `client (this node process) and server processes all on CPU 0${note}` };
}

/** Pins a process (all its threads when `allThreads`) to one CPU; false when taskset refused. */
export function pinToCpu(pid: number, cpu: number | undefined, allThreads = true): boolean {
  if (cpu === undefined) return true;
  return spawnSync('taskset', [...(allThreads ? ['-a'] : []), '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' }).status === 0;
}

function hasTaskset(): boolean {
  return spawnSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' }).status === 0;
}
