import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerClient, serveBroker, type RunningBroker } from '@vtpm/keybroker';
import { BrokerVmKeySource, MEASURED_BOOT_PCRS, deriveVmSubkey, enrolHostWithBroker } from '@vtpm/hypervisor';
import { MigrationAbortedError, RECORD, migrationPolicyFromReferenceHost, type FrameTamper, type MigrationPolicy, type PeerRefusedError, type VmHost } from '../src/index.js';
import { FramePhaseTracker } from './support/faultInjection.js';
import { bootedHost, guestWrite, plaintextHash, sha, startGuest, tamperedHost, testManufacturerCa } from './support/migrationHosts.js';
import { attemptMigration, expectStayedOnSource } from './support/migrationRun.js';
import { startCapturingRelay, type CapturingRelay } from './support/tcpRelay.js';
import { WireScanner } from './support/wireScanner.js';

const PORTS = { broker: 2750, target: 2751, relay: 2752 };
const ADMIN_TOKEN = 'migration-broker-test';

/** A source-side hook that only watches: the record types the source sent, from their clear headers. */
function recordTypesSent(): { tamper: FrameTamper; types: number[] } {
  const tracker = new FramePhaseTracker('source->destination');
  const types: number[] = [];
  let streaming = false;
  return {
    types,
    tamper: (frame) => {
      if (streaming) types.push(frame[0]!);
      else if (tracker.phaseOf(frame) === 'attestation') streaming = true; // the keyShare: records follow
      return frame;
    },
  };
}

describe('broker mode: the destination obtains the VM key from the key broker itself', function () {
  this.timeout(60_000);
  let dir: string;
  let broker: RunningBroker;
  let admin: BrokerClient;
  let a: VmHost;
  let b: VmHost;
  let c: VmHost;
  let policy: MigrationPolicy;
  const vmKey = randomBytes(32);
  const keySource = (host: VmHost, hostId: string) => new BrokerVmKeySource(new BrokerClient(broker.url), host.host, hostId);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vtpm-migration-broker-'));
    broker = await serveBroker({ store: { sqlite: join(dir, 'broker.sqlite') }, masterKey: { file: join(dir, 'master.key'), create: true }, adminToken: ADMIN_TOKEN, port: PORTS.broker, registrar: { ekRoots: [(await testManufacturerCa()).der] } });
    admin = new BrokerClient(broker.url, { adminToken: ADMIN_TOKEN });
    [a, b, c] = [await bootedHost('A'), await bootedHost('B'), await tamperedHost('C')];
    for (const [host, id] of [[a, 'hv-a'], [b, 'hv-b'], [c, 'hv-c']] as const) await enrolHostWithBroker(admin, host.host, id);
    const golden = await a.host.measuredBootPcrs();
    policy = await migrationPolicyFromReferenceHost('hypervisor-1.0', a.host);
    for (const vmId of ['vm-brokered', 'vm-brokered-2']) {
      await admin.addVm(vmId, { tenant: 'acme', key: vmId === 'vm-brokered' ? vmKey : randomBytes(32) });
      await admin.setPolicy(vmId, {
        hostClass: 'hypervisor-1.0',
        pcrs: { sha256: [...MEASURED_BOOT_PCRS] },
        allowedPcrValues: { sha256: Object.fromEntries([...golden].map(([pcr, v]) => [String(pcr), [v.toString('hex')]])) },
      });
    }
  });
  after(async () => {
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves the VM to B: B fetches the key from the broker, the source sends no key record, the key and its subkeys never cross the wire', async () => {
    const guest = await startGuest(a, 'vm-brokered', 64, keySource(a, 'hv-a'));
    guestWrite(guest, 0x2000, Buffer.from('tenant secret under a brokered key'));
    const hashBefore = plaintextHash(guest.vm);
    const watch = recordTypesSent();
    let relay!: CapturingRelay;
    const attempt = await attemptMigration({
      source: a, destination: b, vmId: 'vm-brokered', port: PORTS.target,
      target: { auth: { none: true }, timeoutMs: 5000, brokerKeySource: keySource(b, 'hv-b') },
      migrate: { policy, auth: { none: true }, timeoutMs: 5000, keyRelease: 'broker', tamper: watch.tamper },
      via: async (address) => (relay = await startCapturingRelay(PORTS.relay, address)),
    });
    expect(attempt.error, String(attempt.error)).to.equal(undefined);
    expect(attempt.report!.attestation.ok).to.equal(true); // the source still appraised B itself
    expect(a.vms.has('vm-brokered')).to.equal(false);
    expect(plaintextHash(b.vm('vm-brokered'))).to.equal(hashBefore);
    expect(watch.types).to.include(RECORD.vtpmState);
    expect(watch.types, 'the source sent a VM key record in broker mode').to.not.include(RECORD.vmKey);
    const scanner = new WireScanner().addKey('VM key', vmKey);
    for (const use of ['memoryXts', 'vcpuRegisters', 'vtpmState'] as const) scanner.addKey(`subkey ${use}`, deriveVmSubkey(vmKey, 'vm-brokered', use));
    expect(scanner.scan(relay.all())).to.deep.equal([]);
    const released = (await admin.releaseLog({ vmId: 'vm-brokered' })).filter((e) => e.outcome === 'released').map((e) => e.hostId);
    expect(released).to.deep.equal(['hv-a', 'hv-b']); // A when the VM was created, B for the migration
  });

  it('a tampered destination that the source\'s (lax) policy lets through is refused by the broker: abort, the VM stays on A', async () => {
    const guest = await startGuest(a, 'vm-brokered-2', 32, keySource(a, 'hv-a'));
    guest.workload.resume();
    await new Promise((r) => setTimeout(r, 10));
    const lax = await migrationPolicyFromReferenceHost('whatever-c-runs', c.host); // a misconfigured source: only the broker stands in the way
    const attempt = await attemptMigration({
      source: a, destination: c, vmId: 'vm-brokered-2', port: PORTS.target,
      target: { auth: { none: true }, timeoutMs: 5000, brokerKeySource: keySource(c, 'hv-c') },
      migrate: { policy: lax, auth: { none: true }, timeoutMs: 5000, keyRelease: 'broker', guest: guest.workload },
    });
    guest.workload.pause();
    expect(attempt.error).to.be.instanceOf(MigrationAbortedError);
    const cause = (attempt.error as MigrationAbortedError).cause as PeerRefusedError;
    expect(cause.reason).to.equal('broker-refused');
    expect(cause.message).to.match(/\(pcr-mismatch\).*PCR 9/);
    expectStayedOnSource(a, c, guest, sha(guest.workload.shadow!));
    const last = (await admin.releaseLog({ vmId: 'vm-brokered-2' })).at(-1)!;
    expect(last).to.include({ outcome: 'refused', reason: 'pcr-mismatch', hostId: 'hv-c' });
  });

  it('a destination without a key broker refuses a broker-mode migration (broker-unavailable) before any page moves', async () => {
    const guest = await startGuest(a, 'vm-local-key', 16);
    const hashBefore = plaintextHash(guest.vm);
    const attempt = await attemptMigration({
      source: a, destination: b, vmId: 'vm-local-key', port: PORTS.target,
      target: { auth: { none: true }, timeoutMs: 2000 },
      migrate: { policy, auth: { none: true }, timeoutMs: 2000, keyRelease: 'broker' },
    });
    expect(((attempt.error as MigrationAbortedError).cause as PeerRefusedError).reason).to.equal('broker-unavailable');
    expectStayedOnSource(a, b, guest, hashBefore);
  });
});
