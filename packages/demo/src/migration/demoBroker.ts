import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManufacturerCa } from '@vtpm/attest';
import { MEASURED_BOOT_PCRS, type Sha256Pcrs } from '@vtpm/hypervisor';
import { BrokerClient, serveBroker, type ReleasePolicy, type RunningBroker } from '@vtpm/keybroker';
import type { DemoHost } from './demoHosts.js';
import { runVtpm, showCommand } from './vtpmCommand.js';

/** The key broker of the story: in the demo's process, SQLite store and master key in `dir`, HTTP on loopback. */
export interface DemoBroker {
  url: string;
  /** The operator's and tenant's client (admin token). */
  admin: BrokerClient;
  /** The admin token in a file (mode 0600), for `vtpm broker ... --admin-token-file`. */
  adminTokenFile: string;
  close(): Promise<void>;
}

export async function startDemoBroker(dir: string, port: number, ca: ManufacturerCa): Promise<DemoBroker> {
  const adminToken = randomBytes(16).toString('hex');
  const adminTokenFile = join(dir, 'broker-admin.token');
  writeFileSync(adminTokenFile, `${adminToken}\n`, { mode: 0o600 });
  const running: RunningBroker = await serveBroker({
    store: { sqlite: join(dir, 'broker.sqlite') },
    masterKey: { file: join(dir, 'broker-master.key'), create: true },
    adminToken,
    port,
    registrar: { ekRoots: [ca.der] }, // enrolment checks each host's EK certificate against the TPM manufacturer
  });
  return { url: running.url, admin: new BrokerClient(running.url, { adminToken }), adminTokenFile, close: () => running.close() };
}

/**
 * `vtpm broker host enrol` for the host, before its daemon holds its TPM: the broker's
 * registrar enrols the host's attestation key under its name (credential activation with its
 * EK, whose certificate it checks). Returns the command as typed and the AK Name it printed.
 */
export async function enrolDemoHost(broker: DemoBroker, host: DemoHost): Promise<{ command: string; akName: string }> {
  const args = ['broker', 'host', 'enrol', '--host-dir', host.dir, '--host-id', host.name, '--url', broker.url, '--admin-token-file', broker.adminTokenFile];
  const out = await runVtpm(args);
  const akName = / AK ([0-9a-f]+) /.exec(out)?.[1];
  if (!akName) throw new Error(`${showCommand(args)} printed no AK Name: ${out.trim()}`);
  return { command: showCommand(args), akName };
}

/** The tenant's release policy: exactly the measured-boot PCR values of a host running the approved chain. */
export function releasePolicyFromPcrs(hostClass: string, reference: Sha256Pcrs): ReleasePolicy {
  return {
    hostClass,
    pcrs: { sha256: [...MEASURED_BOOT_PCRS] },
    allowedPcrValues: { sha256: Object.fromEntries([...reference].map(([pcr, v]) => [String(pcr), [v.toString('hex')]])) },
  };
}
