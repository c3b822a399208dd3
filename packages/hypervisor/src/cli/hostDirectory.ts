import { mkdir, readFile, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { removeFileDurably, writeFileDurably } from '@vtpm/server';
import { Host } from '../host/host.js';
import { vmRecordFromJson, vmRecordToJson, type VmRecord } from '../vm/vmRecord.js';

/**
 * A host's files: the TPM state (protect it as a TPM's NV: it holds the seeds), the EK
 * certificates, the last boot's event log, and per VM a record (sealed key and encrypted vTPM
 * state: no plaintext secret) and, for a durable VM, its memory file (ciphertext). Every file
 * is replaced crash-safely (temporary file, fsync, rename): a crash leaves the old or the new one.
 */
export const HOST_FILES = {
  tpmPermanent: 'host-tpm.permanent',
  tpmVolatile: 'host-tpm.volatile',
  ekCertificates: 'ek-certificates.json',
  eventLog: 'binary_bios_measurements',
  vms: 'vms',
} as const;

/**
 * Where a VM stands, as a restarted host daemon must know it: `running` (resume it),
 * `stopped`, `paused-outgoing` (its source decided to commit a migration whose destination has
 * not confirmed: it must not run here), `prepared-incoming` (received by migration, waiting for
 * the source's commit: it must not run yet).
 */
export type VmState = 'running' | 'stopped' | 'paused-outgoing' | 'prepared-incoming';
export const VM_STATES: readonly VmState[] = ['running', 'stopped', 'paused-outgoing', 'prepared-incoming'];

/** The migration a paused-outgoing or prepared-incoming VM belongs to: its epoch and the peer daemon to ask about it ("host:port"). */
export interface VmMigrationMark {
  epoch: bigint;
  peer?: string;
  /** The migration's own MAC key for questions about its outcome (not a VM secret; see @vtpm/migration's commit protocol). */
  resolutionKey?: Buffer;
}

type MarkJson = { epoch: string; peer?: string; resolutionKey?: string };
const markToJson = (m: VmMigrationMark): MarkJson => ({ epoch: m.epoch.toString(), ...(m.peer ? { peer: m.peer } : {}), ...(m.resolutionKey ? { resolutionKey: m.resolutionKey.toString('base64') } : {}) });
const markFromJson = (j: MarkJson): VmMigrationMark => ({ epoch: BigInt(j.epoch), ...(j.peer ? { peer: j.peer } : {}), ...(j.resolutionKey ? { resolutionKey: Buffer.from(j.resolutionKey, 'base64') } : {}) });

export interface VmEntry {
  record: VmRecord;
  state: VmState;
  /** Name of the VM's memory file in DIR/vms (durable VMs only). */
  memoryFile?: string;
  migration?: VmMigrationMark;
}

const tryRead = (path: string) => readFile(path).catch(() => undefined);

export async function saveHost(dir: string, host: Host): Promise<void> {
  await mkdir(join(dir, HOST_FILES.vms), { recursive: true, mode: 0o700 });
  await saveHostTpm(dir, host);
  await writeFileDurably(join(dir, HOST_FILES.ekCertificates), Buffer.from(JSON.stringify(host.ekCertificates.map((c) => c.toString('base64')))));
  if (host.eventLog) await writeFileDurably(join(dir, HOST_FILES.eventLog), host.eventLog);
}

/** The host TPM's state alone (its NV changed: a VM's rollback anchor was allocated, counted or released). */
export async function saveHostTpm(dir: string, host: Host): Promise<void> {
  const { permanent, volatile } = host.tpm.save();
  await writeFileDurably(join(dir, HOST_FILES.tpmPermanent), permanent, 0o600);
  await writeFileDurably(join(dir, HOST_FILES.tpmVolatile), volatile, 0o600);
}

export async function loadHost(dir: string): Promise<Host> {
  const permanent = await tryRead(join(dir, HOST_FILES.tpmPermanent));
  if (!permanent) throw new Error(`${dir} holds no host TPM state: run \`vtpm host init\` first`);
  const certs = JSON.parse((await tryRead(join(dir, HOST_FILES.ekCertificates)))?.toString() ?? '[]') as string[];
  const host = Host.restore({ permanent, volatile: await tryRead(join(dir, HOST_FILES.tpmVolatile)) }, certs.map((c) => Buffer.from(c, 'base64')));
  host.eventLog = await tryRead(join(dir, HOST_FILES.eventLog));
  return host;
}

const checkVmId = (vmId: string) => {
  if (!/^[A-Za-z0-9._-]+$/.test(vmId) || vmId.startsWith('.')) throw new Error(`VM id ${JSON.stringify(vmId)} may hold letters, digits, '.', '_' and '-' only, and not start with '.'`);
  return vmId;
};
const vmPath = (dir: string, vmId: string) => join(dir, HOST_FILES.vms, `${checkVmId(vmId)}.json`);

/** A memory file name for `vmId`; `purpose` tells copies apart (an incoming migration's next to a running VM's). */
export const vmMemoryFileName = (vmId: string, purpose?: string) => `${checkVmId(vmId)}${purpose ? `.${purpose}` : ''}.memory`;
export const vmMemoryFilePath = (dir: string, fileName: string) => join(dir, HOST_FILES.vms, fileName);

/** Writes the VM's record and state as one file, crash-safely. */
export async function saveVmEntry(dir: string, entry: VmEntry): Promise<void> {
  await mkdir(join(dir, HOST_FILES.vms), { recursive: true, mode: 0o700 });
  const json = {
    state: entry.state,
    ...(entry.memoryFile ? { memoryFile: entry.memoryFile } : {}),
    ...(entry.migration ? { migration: markToJson(entry.migration) } : {}),
    ...vmRecordToJson(entry.record),
  };
  await writeFileDurably(vmPath(dir, entry.record.config.vmId), Buffer.from(JSON.stringify(json, null, 1)), 0o600);
}

/** A powered-off VM's record (what `vtpm vm create` and `vm stop` write). */
export const saveVmRecord = (dir: string, record: VmRecord) => saveVmEntry(dir, { record, state: 'stopped' });

export async function loadVmEntry(dir: string, vmId: string): Promise<VmEntry> {
  const path = vmPath(dir, vmId);
  const text = await tryRead(path);
  if (!text) throw new Error(`no VM ${vmId} on the host in ${dir}: \`vtpm vm create\` it first`);
  let json: ReturnType<typeof vmRecordToJson> & { state?: VmState; memoryFile?: string; migration?: MarkJson };
  try {
    json = JSON.parse(text.toString());
  } catch {
    throw new Error(`the VM record ${path} is not JSON: restore it from a backup or remove it`);
  }
  const state = json.state ?? 'stopped'; // records written before VMs had states are powered off
  if (!VM_STATES.includes(state)) throw new Error(`the VM record ${path} has state ${JSON.stringify(state)}, not one of ${VM_STATES.join(', ')}`);
  return {
    record: vmRecordFromJson(json),
    state,
    ...(json.memoryFile ? { memoryFile: json.memoryFile } : {}),
    ...(json.migration ? { migration: markFromJson(json.migration) } : {}),
  };
}

export async function loadVmRecord(dir: string, vmId: string): Promise<VmRecord> {
  return (await loadVmEntry(dir, vmId)).record;
}

export async function listVmIds(dir: string): Promise<string[]> {
  return (await readdir(join(dir, HOST_FILES.vms)).catch(() => [])).filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -5)).sort();
}

/** Drops the VM from the host for good: its record (durably first), then its memory file. */
export async function removeVmEntry(dir: string, vmId: string, memoryFile?: string): Promise<void> {
  await removeFileDurably(vmPath(dir, vmId));
  if (memoryFile) await unlink(vmMemoryFilePath(dir, memoryFile)).catch(() => undefined);
}

/**
 * Deletes what a crash can leave in DIR/vms: temporary files of interrupted writes and memory
 * files no record names (a migration that died before its record was written). Returns their names.
 */
export async function removeLeftoverVmFiles(dir: string): Promise<string[]> {
  const files = await readdir(join(dir, HOST_FILES.vms)).catch(() => [] as string[]);
  const named = new Set<string>();
  for (const vmId of await listVmIds(dir)) {
    const entry = await loadVmEntry(dir, vmId);
    if (entry.memoryFile) named.add(entry.memoryFile);
  }
  const leftovers = files.filter((f) => (f.startsWith('.') && f.endsWith('.tmp')) || (f.endsWith('.memory') && !named.has(f)));
  for (const f of leftovers) await unlink(join(dir, HOST_FILES.vms, f)).catch(() => undefined);
  return leftovers;
}
