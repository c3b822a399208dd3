import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { ChannelAuthError, MigrationRefusedError, RecordRejectedError, migrationPolicyFromReferenceHost, serveMigrationTarget, type ChannelAuth, type MigrationPolicy, type VmHost } from '../src/index.js';
import { bootedHost, plaintextHash, startGuest } from './support/migrationHosts.js';
import { attemptMigration } from './support/migrationRun.js';
import { startCapturingRelay, type CapturingRelay } from './support/tcpRelay.js';
import { parseAddress } from '../src/wire/address.js';

const PORTS = { target: 2740, relay: 2741, replay: 2742 };

/** Sends `bytes` to a fresh target on `host` as if they came from a source; resolves with how the target ended the connection. */
async function replayInto(host: VmHost, auth: ChannelAuth, bytes: Buffer): Promise<{ committed: boolean; error?: Error }> {
  let ended!: (o: { committed: boolean; error?: Error }) => void;
  const outcome = new Promise<{ committed: boolean; error?: Error }>((r) => (ended = r));
  const target = await serveMigrationTarget(host, { port: PORTS.replay, auth, timeoutMs: 1000, onOutcome: (_vmId, o) => ended(o) });
  const socket = connect(parseAddress(target.address));
  socket.on('error', () => undefined);
  socket.on('connect', () => socket.write(bytes));
  try {
    return await outcome;
  } finally {
    socket.destroy();
    await target.close();
  }
}

describe('stream replay: a recorded migration replayed into a destination is refused', function () {
  this.timeout(60_000);
  let a: VmHost;
  let b: VmHost;
  let policy: MigrationPolicy;
  const psk = randomBytes(32);

  before(async () => {
    [a, b] = [await bootedHost('A'), await bootedHost('B')];
    policy = await migrationPolicyFromReferenceHost('hypervisor-1.0', a.host);
  });

  /** A successful migration A -> B whose source -> destination bytes are recorded. */
  const recordMigration = async (vmId: string, sourceAuth: ChannelAuth, targetAuth: ChannelAuth): Promise<Buffer> => {
    const guest = await startGuest(a, vmId, 32);
    guest.vm.memory.write(0, Buffer.from('recorded guest'));
    let relay!: CapturingRelay;
    const attempt = await attemptMigration({
      source: a, destination: b, vmId, port: PORTS.target,
      target: { auth: targetAuth, timeoutMs: 2000 },
      migrate: { policy, auth: sourceAuth, timeoutMs: 2000 },
      via: async (address) => (relay = await startCapturingRelay(PORTS.relay, address)),
    });
    expect(attempt.error, String(attempt.error)).to.equal(undefined);
    return relay.clientBytes(0);
  };

  it('PSK-authenticated recording: a fresh destination and the original one both refuse it at authentication (the proof covers their new nonce)', async () => {
    const recorded = await recordMigration('vm-replay-psk', { psk, identity: 'host-a' }, { psk, identity: 'host-b' });
    const hashOnB = plaintextHash(b.vm('vm-replay-psk'));
    const fresh = await bootedHost('C');
    for (const host of [fresh, b]) {
      const outcome = await replayInto(host, { psk, identity: host.name }, recorded);
      expect(outcome.committed).to.equal(false);
      expect(outcome.error).to.be.instanceOf(ChannelAuthError);
      expect(outcome.error!.message).to.match(/initiator's PSK proof does not verify/);
    }
    expect(fresh.vms.size).to.equal(0);
    expect(plaintextHash(b.vm('vm-replay-psk'))).to.equal(hashOnB);
  });

  it('unauthenticated recording (none/none): a fresh destination derives other stream keys, so the first replayed record does not authenticate', async () => {
    const recorded = await recordMigration('vm-replay-none', { none: true }, { none: true });
    const fresh = await bootedHost('D');
    const outcome = await replayInto(fresh, { none: true }, recorded);
    expect(outcome.committed).to.equal(false);
    expect(outcome.error).to.be.instanceOf(RecordRejectedError);
    expect(outcome.error!.message).to.match(/record seq 1 does not authenticate/);
    expect(fresh.vms.size).to.equal(0);
  });

  it('unauthenticated recording replayed into the original destination after it committed: refused as a stale epoch', async () => {
    const recorded = await recordMigration('vm-replay-epoch', { none: true }, { none: true });
    const hashOnB = plaintextHash(b.vm('vm-replay-epoch'));
    const outcome = await replayInto(b, { none: true }, recorded);
    expect(outcome.committed).to.equal(false);
    expect(outcome.error).to.be.instanceOf(MigrationRefusedError);
    expect((outcome.error as MigrationRefusedError).reason).to.equal('stale-epoch');
    expect(outcome.error!.message).to.match(/migration epoch 1 of vm-replay-epoch is not newer than 1/);
    expect(plaintextHash(b.vm('vm-replay-epoch'))).to.equal(hashOnB);
  });
});
