import { expect } from 'chai';
import { migrateVm, serveMigrationTarget, type MigrateOptions, type MigrationReport, type TargetOptions, type VmHost } from '../../src/index.js';
import { plaintextHash, type GuestOnHost } from './migrationHosts.js';

export interface MigrationAttempt {
  report?: MigrationReport;
  /** What migrateVm threw. */
  error?: unknown;
  /** How the destination ended this connection (undefined if it never reported). */
  destination?: { vmId: string; committed: boolean; error?: Error };
}

export interface AttemptOptions {
  source: VmHost;
  destination: VmHost;
  vmId: string;
  port: number;
  target: Omit<TargetOptions, 'port'>;
  migrate: MigrateOptions;
  /** Dial this instead of the target (a relay in front of it); gets the target's address. */
  via?: (targetAddress: string) => Promise<{ address: string; close(): Promise<void> }>;
}

/** One migration against a fresh target on `port`: what the source got and what the destination reported. */
export async function attemptMigration(o: AttemptOptions): Promise<MigrationAttempt> {
  let reported!: (d: MigrationAttempt['destination']) => void;
  const outcome = new Promise<MigrationAttempt['destination']>((r) => (reported = r));
  const target = await serveMigrationTarget(o.destination, { ...o.target, port: o.port, onOutcome: (vmId, result) => reported({ vmId, ...result }) });
  const relay = o.via ? await o.via(target.address) : undefined;
  const attempt: MigrationAttempt = {};
  try {
    attempt.report = await migrateVm(o.source, o.vmId, relay?.address ?? target.address, o.migrate);
  } catch (e) {
    attempt.error = e;
  }
  const wait = 3 * (o.target.timeoutMs ?? 10_000);
  attempt.destination = await Promise.race([outcome, new Promise<undefined>((r) => setTimeout(() => r(undefined), wait).unref())]);
  await relay?.close();
  await target.close();
  return attempt;
}

/** The refused-migration invariant: the VM still runs on the source, same object, same plaintext; nothing on the destination. */
export function expectStayedOnSource(source: VmHost, destination: VmHost, guest: GuestOnHost, hashBefore: string): void {
  expect(source.vms.get(guest.vm.vmId), 'the VM must still run on the source').to.equal(guest.vm);
  expect(plaintextHash(guest.vm), 'the source memory must be unchanged').to.equal(hashBefore);
  expect(destination.vms.has(guest.vm.vmId), 'nothing may run on the destination').to.equal(false);
}
