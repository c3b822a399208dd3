import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Host } from '../host/host.js';
import { vmRecordFromJson, vmRecordToJson, type VmRecord } from '../vm/vmRecord.js';

/**
 * A host's files: the TPM state (protect it as a TPM's NV: it holds the seeds), the EK
 * certificates, the last boot's event log, and one record per VM (sealed key and encrypted vTPM
 * state: no plaintext secret).
 */
export const HOST_FILES = {
  tpmPermanent: 'host-tpm.permanent',
  tpmVolatile: 'host-tpm.volatile',
  ekCertificates: 'ek-certificates.json',
  eventLog: 'binary_bios_measurements',
  vms: 'vms',
} as const;

const tryRead = (path: string) => readFile(path).catch(() => undefined);

export async function saveHost(dir: string, host: Host): Promise<void> {
  await mkdir(join(dir, HOST_FILES.vms), { recursive: true, mode: 0o700 });
  const { permanent, volatile } = host.tpm.save();
  await writeFile(join(dir, HOST_FILES.tpmPermanent), permanent, { mode: 0o600 });
  await writeFile(join(dir, HOST_FILES.tpmVolatile), volatile, { mode: 0o600 });
  await writeFile(join(dir, HOST_FILES.ekCertificates), JSON.stringify(host.ekCertificates.map((c) => c.toString('base64'))));
  if (host.eventLog) await writeFile(join(dir, HOST_FILES.eventLog), host.eventLog);
}

export async function loadHost(dir: string): Promise<Host> {
  const permanent = await tryRead(join(dir, HOST_FILES.tpmPermanent));
  if (!permanent) throw new Error(`${dir} holds no host TPM state: run \`vtpm host init\` first`);
  const certs = JSON.parse((await tryRead(join(dir, HOST_FILES.ekCertificates)))?.toString() ?? '[]') as string[];
  const host = Host.restore({ permanent, volatile: await tryRead(join(dir, HOST_FILES.tpmVolatile)) }, certs.map((c) => Buffer.from(c, 'base64')));
  host.eventLog = await tryRead(join(dir, HOST_FILES.eventLog));
  return host;
}

const vmPath = (dir: string, vmId: string) => {
  if (!/^[A-Za-z0-9._-]+$/.test(vmId)) throw new Error(`VM id ${JSON.stringify(vmId)} may hold letters, digits, '.', '_' and '-' only`);
  return join(dir, HOST_FILES.vms, `${vmId}.json`);
};

export const saveVmRecord = (dir: string, record: VmRecord) => writeFile(vmPath(dir, record.config.vmId), JSON.stringify(vmRecordToJson(record), null, 1), { mode: 0o600 });

export async function loadVmRecord(dir: string, vmId: string): Promise<VmRecord> {
  const text = await tryRead(vmPath(dir, vmId));
  if (!text) throw new Error(`no VM ${vmId} on the host in ${dir}: \`vtpm vm create\` it first`);
  return vmRecordFromJson(JSON.parse(text.toString()));
}

export async function listVmIds(dir: string): Promise<string[]> {
  return (await readdir(join(dir, HOST_FILES.vms)).catch(() => [])).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}
