import { join } from 'node:path';
import type { ManufacturerCa } from '@vtpm/attest';
import { MEASURED_BOOT_PCRS, enrolHostWithBroker, loadHost, type Sha256Pcrs } from '@vtpm/hypervisor';
import { BrokerClient, serveBroker, type ReleasePolicy, type RunningBroker } from '@vtpm/keybroker';
import type { DemoHost } from './demoHosts.js';

const ADMIN_TOKEN = 'vtpm-migration-demo-admin';

/** The key broker of the story: in the demo's process, SQLite store and master key in `dir`, HTTP on loopback. */
export interface DemoBroker {
  url: string;
  /** The operator's and tenant's client (admin token). */
  admin: BrokerClient;
  close(): Promise<void>;
}

export async function startDemoBroker(dir: string, port: number, ca: ManufacturerCa): Promise<DemoBroker> {
  const running: RunningBroker = await serveBroker({
    store: { sqlite: join(dir, 'broker.sqlite') },
    masterKey: { file: join(dir, 'broker-master.key'), create: true },
    adminToken: ADMIN_TOKEN,
    port,
    registrar: { ekRoots: [ca.der] }, // enrolment checks each host's EK certificate against the TPM manufacturer
  });
  return { url: running.url, admin: new BrokerClient(running.url, { adminToken: ADMIN_TOKEN }), close: () => running.close() };
}

/**
 * Enrols the host's attestation key under its name (credential activation with its certified
 * EK), with its TPM loaded from its directory before its daemon holds it: the operator's
 * registration step, which the CLI has no command for. Returns the AK Name (hex).
 */
export async function enrolDemoHost(broker: DemoBroker, host: DemoHost): Promise<string> {
  return enrolHostWithBroker(broker.admin, await loadHost(host.dir), host.name);
}

/** The tenant's release policy: exactly the measured-boot PCR values of a host running the approved chain. */
export function releasePolicyFromPcrs(hostClass: string, reference: Sha256Pcrs): ReleasePolicy {
  return {
    hostClass,
    pcrs: { sha256: [...MEASURED_BOOT_PCRS] },
    allowedPcrValues: { sha256: Object.fromEntries([...reference].map(([pcr, v]) => [String(pcr), [v.toString('hex')]])) },
  };
}
