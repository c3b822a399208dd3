import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { snapshotToDisk } from '@vtpm/hypervisor';
import { findClearText, type Needle } from './clearTextScan.js';
import type { DemoHost } from './demoHosts.js';

/** One file an administrator took from a host, and which secrets it was found to contain. */
export interface AdminDumpFile {
  host: string;
  /** When it was taken, e.g. "before migration". */
  moment: string;
  vmId: string;
  path: string;
  bytes: number;
  found: string[];
}

/** What an administrator dumped from one host at one moment: a snapshot file per VM running there. */
export interface AdminDump {
  host: string;
  moment: string;
  files: AdminDumpFile[];
}

/**
 * The hypervisor's admin snapshot (snapshotToDisk: memory as held by the host, vCPU save areas,
 * vTPM state envelope) of every VM on `host`, written to `dir` and searched for each needle.
 */
export async function dumpHost(host: DemoHost, moment: string, dir: string, needles: readonly Needle[]): Promise<AdminDump> {
  const files: AdminDumpFile[] = [];
  for (const vm of host.vmHost.vms.values()) {
    const path = join(dir, `${host.name}-${moment.replace(/\W+/g, '-')}-${vm.vmId}.snapshot`);
    const bytes = await snapshotToDisk(vm, path);
    files.push({ host: host.name, moment, vmId: vm.vmId, path, bytes, found: findClearText(readFileSync(path), needles) });
  }
  return { host: host.name, moment, files };
}
