import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostDaemon, HostDaemonClient } from '../../src/index.js';

/** A daemon under fuzzing, with a guest whose memory must come out of it untouched. */
export interface FuzzedHost {
  dir: string;
  daemon: HostDaemon;
  client: HostDaemonClient;
  /** The resident VM's plaintext as the test wrote it: the oracle for its memoryHash. */
  residentModel: Buffer;
}

export const RESIDENT_VM = 'resident';
export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * The daemon answers, its resident VM's memory equals the model, nothing is in doubt or arriving,
 * and its host directory holds files of the VMs it lists only: no record of a VM that never
 * arrived, no memory file (staged or other) that no record names.
 */
export async function expectUnharmed(h: FuzzedHost, label: string): Promise<void> {
  const status = await h.client.status();
  expect(status.inDoubt, `${label}: in doubt`).to.deep.equal({ outgoing: [], incoming: [] });
  expect(status.vms.filter((v) => v.state === 'prepared-incoming'), `${label}: arriving VMs`).to.deep.equal([]);
  expect(h.daemon.vmHost.incoming.size, `${label}: incoming`).to.equal(0);
  expect(await h.client.memoryHash(RESIDENT_VM), `${label}: resident memory`).to.equal(sha256(h.residentModel));
  const listed = new Set(status.vms.map((v) => v.vmId));
  const files = readdirSync(join(h.dir, 'vms'));
  const records = files.filter((f) => f.endsWith('.json'));
  expect(records.filter((f) => !listed.has(f.slice(0, -'.json'.length))), `${label}: records of VMs it does not list`).to.deep.equal([]);
  const referenced = new Set(records.map((f) => (JSON.parse(readFileSync(join(h.dir, 'vms', f), 'utf8')) as { memoryFile?: string }).memoryFile));
  expect(files.filter((f) => !f.endsWith('.json') && !referenced.has(f)), `${label}: memory (staged or other) no VM record names`).to.deep.equal([]);
}

/** Open handles of this process by kind (sockets, servers, timers): what a leaked connection leaves. */
export function openHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Waits (up to `limitMs`) until this process has no more sockets and timers than `baseline`, give or take `slack` of a kind (timers of retry loops come and go). */
export async function expectHandlesBackTo(baseline: Record<string, number>, slack: Record<string, number> = {}, limitMs = 3000): Promise<void> {
  const kinds = ['TCPSocketWrap', 'PipeWrap', 'Timeout'];
  const excess = () => kinds.filter((k) => (openHandles()[k] ?? 0) > (baseline[k] ?? 0) + (slack[k] ?? 0));
  for (const started = Date.now(); excess().length && Date.now() - started < limitMs; ) await new Promise((r) => setTimeout(r, 50));
  expect(Object.fromEntries(excess().map((k) => [k, `${openHandles()[k]} (before the fuzzing: ${baseline[k] ?? 0})`])), 'open handles grew').to.deep.equal({});
}
