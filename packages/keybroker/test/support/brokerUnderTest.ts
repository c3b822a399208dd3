import { join } from 'node:path';
import { BrokerClient, enrolHost, serveBroker, type RunningBroker, type ServeBrokerOptions, type StoreLocation } from '../../src/index.js';
import type { MeasuredHost } from './measuredHost.js';
import { tempDir } from './tempDir.js';

export const ADMIN_TOKEN = 'test-admin-token';

export interface BrokerUnderTest {
  running: RunningBroker;
  /** Tenant/registrar client (admin token). */
  admin: BrokerClient;
  /** Host client (no token). */
  hostClient: BrokerClient;
  dir: string;
  sqlitePath: string;
  /** The test clock, in ms; advance it to expire nonces. */
  clock: { now: number };
  stop(): Promise<void>;
}

/** A broker on loopback with a fresh SQLite store (or `store`), a master key file and a controllable clock. */
export async function startBroker(options: Partial<ServeBrokerOptions> & { store?: StoreLocation } = {}): Promise<BrokerUnderTest> {
  const dir = tempDir();
  const sqlitePath = join(dir.path, 'broker.sqlite');
  const clock = { now: Date.now() };
  const running = await serveBroker({
    store: { sqlite: sqlitePath },
    masterKey: { file: join(dir.path, 'master.key'), create: true },
    adminToken: ADMIN_TOKEN,
    now: () => clock.now,
    ...options,
  });
  return {
    running,
    admin: new BrokerClient(running.url, { adminToken: ADMIN_TOKEN }),
    hostClient: new BrokerClient(running.url),
    dir: dir.path,
    sqlitePath,
    clock,
    async stop() {
      await running.close();
      dir.remove();
    },
  };
}

/** Enrols each host's AK through the broker's registrar (credential activation in its TPM). */
export async function enrolAll(admin: BrokerClient, ...hosts: MeasuredHost[]): Promise<void> {
  for (const h of hosts) await enrolHost(admin, h, h.ek);
}
