import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { MigrationAbortedError, MigrationInDoubtError, resolveInDoubt, serveMigrationTarget, type ChannelAuth, type MigrationPolicy, type VmHost } from '../src/index.js';
import { FAULTS, phasesWithFrames, injectFault, type Direction, type Fault, type FaultPhase } from './support/faultInjection.js';
import { approvedPair, guestWrite, plaintextHash, sha, startGuest, type GuestOnHost } from './support/migrationHosts.js';
import { attemptMigration, type MigrationAttempt } from './support/migrationRun.js';

const PORTS = { toB: 2720, toA: 2721 };
const TIMEOUT_MS = 400;
/** Longer than TIMEOUT_MS: a delayed frame arrives after the receiver gave up. */
const DELAY_MS = 1200;

type Outcome = 'aborted' | 'committed' | 'in-doubt';

/**
 * What each fault must lead to. Before the source sent commit every fault aborts (the VM stays
 * on the source), except a reorder in a ping-pong phase, where no second frame exists to swap
 * with: the frame arrives 50 ms late and the migration completes. Once commit left the source,
 * a lost or damaged commit/committed leaves the source in doubt; a replayed or late one is
 * harmless (except a late `committed`: the destination has ended the connection by then). A
 * replayed `prepared` breaks the stream after the source sent commit: in doubt too. Doubt is then
 * settled by the commit protocol's resolution (the source asks the destination).
 */
function expectedOutcome(direction: Direction, phase: FaultPhase, fault: Fault): Outcome {
  const pingPong = phase === 'handshake' || phase === 'attestation' || (direction === 'destination->source' && phase === 'key-handover') || phase === 'commit';
  if (phase === 'commit') {
    // the destination closes the connection right after `committed`: a held `committed` never leaves
    if (fault === 'replay' || (fault === 'reorder' && direction === 'source->destination')) return 'committed';
    return 'in-doubt';
  }
  if (fault === 'reorder' && pingPong) return 'committed';
  if (direction === 'destination->source' && phase === 'key-handover' && fault === 'replay') return 'in-doubt';
  return 'aborted';
}

const outcomeOf = (attempt: MigrationAttempt): Outcome => {
  if (attempt.error instanceof MigrationInDoubtError) return 'in-doubt';
  if (attempt.error instanceof MigrationAbortedError) return 'aborted';
  if (attempt.error) throw attempt.error;
  return 'committed';
};

/** The guest's write counter does not move: its vCPUs are paused. */
async function expectPaused(guest: GuestOnHost): Promise<void> {
  const writes = guest.workload.writes;
  await new Promise((r) => setTimeout(r, 20));
  expect(guest.workload.writes, 'the source guest must stay paused while in doubt').to.equal(writes);
}

describe('fault matrix: cut, delay, corrupt, replay, reorder at every phase, both directions (in-process)', function () {
  this.timeout(120_000);
  let a: VmHost;
  let b: VmHost;
  let policy: MigrationPolicy;
  const psk = randomBytes(32);
  const authA: ChannelAuth = { psk, identity: 'host-a' };
  const authB: ChannelAuth = { psk, identity: 'host-b' };
  let n = 0;

  before(async () => {
    ({ a, b, policy } = await approvedPair());
  });

  for (const direction of ['source->destination', 'destination->source'] as const) {
    for (const phase of phasesWithFrames(direction)) {
      for (const fault of FAULTS) {
        const expected = expectedOutcome(direction, phase, fault);
        it(`${direction} ${phase} ${fault}: ${expected}${expected === 'in-doubt' ? ' then resolved' : ''}, the VM runs on exactly one host with its memory, and a second migration succeeds`, async () => {
          const guest = await startGuest(a, `vm-fault-${++n}`, 64);
          guestWrite(guest, 0x3000, Buffer.from('tenant secret'));
          guest.workload.resume();
          const injected = injectFault(fault, phase, direction, DELAY_MS);
          const attempt = await attemptMigration({
            source: a, destination: b, vmId: guest.vm.vmId, port: PORTS.toB,
            target: { auth: authB, timeoutMs: TIMEOUT_MS, ...(direction === 'destination->source' ? { tamper: injected.tamper } : {}) },
            migrate: { policy, auth: authA, guest: guest.workload, timeoutMs: TIMEOUT_MS, ...(direction === 'source->destination' ? { tamper: injected.tamper } : {}) },
          });
          expect(injected.fired(), `no ${phase} frame went ${direction}`).to.equal(true);
          const outcome = outcomeOf(attempt);
          if (outcome === 'in-doubt') await expectPaused(guest);
          guest.workload.pause();
          const expectedHash = sha(guest.workload.shadow!); // the pre-migration memory plus every write the guest made
          expect(outcome, String(attempt.error)).to.equal(expected);

          const vmId = guest.vm.vmId;
          const onB = b.vms.get(vmId);
          if (outcome === 'aborted') {
            expect(a.vms.get(vmId)).to.equal(guest.vm);
            expect(onB, 'aborted, yet the VM exists on the destination').to.equal(undefined);
            expect(plaintextHash(guest.vm)).to.equal(expectedHash);
          } else if (outcome === 'committed') {
            expect(a.vms.has(vmId), 'committed, yet the VM is still on the source').to.equal(false);
            expect(plaintextHash(onB!)).to.equal(expectedHash);
          } else {
            // In doubt: the source keeps the VM paused (outgoing), the destination runs it only if it committed.
            expect(a.vms.has(vmId), 'in doubt, yet the VM runs on the source').to.equal(false);
            expect(a.outgoing.get(vmId)?.vm).to.equal(guest.vm);
            expect(onB !== undefined, 'the destination runs the VM exactly when it committed').to.equal(attempt.destination?.committed ?? false);
            expect(plaintextHash(onB ?? guest.vm)).to.equal(expectedHash);
            // Resolve it the way the protocol provides: the source asks the destination (listening again).
            const target = await serveMigrationTarget(b, { port: PORTS.toB, auth: authB, timeoutMs: 2000 });
            try {
              const results = await resolveInDoubt(a, { auth: authA, timeoutMs: 2000 });
              expect(results.map((r) => [r.vmId, r.error?.message])).to.deep.equal([[vmId, undefined]]);
            } finally {
              await target.close();
            }
            expect(a.outgoing.has(vmId) || b.incoming.has(vmId), 'still in doubt after resolution').to.equal(false);
            expect(Number(a.vms.has(vmId)) + Number(b.vms.has(vmId)), 'the VM must run on exactly one host').to.equal(1);
            expect(plaintextHash(a.vms.get(vmId) ?? b.vm(vmId))).to.equal(expectedHash);
          }

          // A second migration without faults succeeds, from wherever the VM now runs.
          const [from, to, port] = a.vms.has(vmId) ? [a, b, PORTS.toB] : [b, a, PORTS.toA];
          const again = await attemptMigration({
            source: from, destination: to, vmId, port,
            target: { auth: from === a ? authB : authA, timeoutMs: 2000 },
            migrate: { policy, auth: from === a ? authA : authB, timeoutMs: 2000 },
          });
          expect(again.error, String(again.error)).to.equal(undefined);
          expect(from.vms.has(vmId)).to.equal(false);
          expect(plaintextHash(to.vm(vmId))).to.equal(expectedHash);
        });
      }
    }
  }
});
