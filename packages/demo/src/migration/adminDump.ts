import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostDaemonClient } from '@vtpm/migration';
import { findClearText, type Needle } from './clearTextScan.js';

/** What an administrator got when asking one host's daemon for a VM's snapshot at one moment. */
export interface AdminDump {
  host: string;
  /** When it was taken, e.g. "before migration". */
  moment: string;
  vmId: string;
  /** The snapshot file, when the host holds the VM. */
  file?: { path: string; bytes: number; found: string[] };
  /** Why there is none (the daemon's answer), when it does not. */
  refused?: string;
}

/**
 * The hypervisor admin snapshot (memory as the host holds it, vCPU save areas, vTPM state
 * envelope) of `vmId`, taken by `host`'s daemon into `dir` (dumpVm) and searched for each
 * needle. A host without the VM refuses, and must write no file.
 */
export async function dumpVmOnHost(client: HostDaemonClient, host: string, vmId: string, moment: string, dir: string, needles: readonly Needle[]): Promise<AdminDump> {
  const path = join(dir, `${host}-${moment.replace(/\W+/g, '-')}-${vmId}.snapshot`);
  try {
    const { bytes } = await client.dumpVm(vmId, path);
    return { host, moment, vmId, file: { path, bytes, found: findClearText(readFileSync(path), needles) } };
  } catch (e) {
    if (existsSync(path)) throw new Error(`${host} refused the dump of ${vmId} (${(e as Error).message}) yet wrote ${path}`);
    return { host, moment, vmId, refused: (e as Error).message };
  }
}
