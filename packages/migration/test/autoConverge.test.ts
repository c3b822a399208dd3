import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { GuestMemory, LocalVmKeySource } from '@vtpm/hypervisor';
import {
  DEFAULT_AUTO_CONVERGE, DirtyingWorkload, MigrationAbortedError, autoConvergeSchedule, formatMigrationReport, formatProgressLine, migrationPolicyFromReferenceHost,
  nextThrottlePercent, type MigrateOptions, type MigrationProgress, type MigrationReport, type PausableGuest,
} from '../src/index.js';
import { bootedHost, plaintextHash, sha, startGuest } from './support/migrationHosts.js';
import { attemptMigration } from './support/migrationRun.js';

/** The guest writes this many random pages per tick: as many as a full page batch carries. */
const PAGES_PER_TICK = 64;
/** The slowed link: 10 MB/s, about 2.4 pages per ms. */
const LINK_BYTES_PER_MS = 1e4;

/**
 * A DirtyingWorkload ticked once per frame the source sends while it runs, so its dirty rate keeps
 * pace with the link whatever the machine's load (a round of n pages dirties about 64 × (n/64 + 1)
 * pages: the link never catches up unthrottled); after an abort's resume() it runs on its own timer.
 * Records every throttle it gets and the writes of every frame-driven tick.
 */
class FrameDrivenGuest implements PausableGuest {
  readonly throttles: number[] = [];
  readonly ticks: Array<{ fraction: number; writes: number }> = [];
  private paused = false;

  constructor(readonly workload: DirtyingWorkload) {}

  pause(): void { this.paused = true; this.workload.pause(); }
  resume(): void { this.paused = false; this.workload.resume(); }
  throttle(fraction: number): void { this.throttles.push(fraction); this.workload.throttle(fraction); }
  onFrame(): void {
    if (!this.paused) this.ticks.push({ fraction: this.workload.throttleFraction, writes: this.workload.tick() });
  }
}

/** A frame tamper that holds every frame for its time on a link of `bytesPerMs` (busy: the wire is busy), then lets the guest run a tick. */
const slowLink = (guest: FrameDrivenGuest, bytesPerMs: number) => {
  let freeAt = 0;
  return (frame: Buffer) => {
    freeAt = Math.max(freeAt, performance.now()) + frame.length / bytesPerMs;
    while (performance.now() < freeAt) { /* the wire is busy */ }
    guest.onFrame();
    return frame;
  };
};

/** The schedule, restated from QEMU's rule: raise when a round left more than half of what it sent dirty. */
const expectedNext = (current: number, e: MigrationProgress) =>
  e.remainingDirtyPages * 2 <= e.roundPages ? current : current === 0 ? 20 : Math.min(99, current + 10);

describe('@vtpm/migration auto-converge: throttling a guest that outruns the link', function () {
  this.timeout(120_000);

  describe('throttle schedule', () => {
    it("follows QEMU's defaults: 20%, +10% per round that outran the link, at most 99%, never down", () => {
      const schedule = autoConvergeSchedule(undefined)!;
      expect(schedule).to.deep.equal({ initialPercent: 20, incrementPercent: 10, maxPercent: 99 });
      expect(autoConvergeSchedule(true)).to.deep.equal(DEFAULT_AUTO_CONVERGE);
      const outran = { roundPages: 100, dirtyPages: 51 };
      const steps = [0];
      for (let i = 0; i < 10; i++) steps.push(nextThrottlePercent(steps[steps.length - 1]!, outran, schedule));
      expect(steps).to.deep.equal([0, 20, 30, 40, 50, 60, 70, 80, 90, 99, 99]);
      expect(nextThrottlePercent(0, { roundPages: 100, dirtyPages: 50 }, schedule), 'half dirty: the link keeps up').to.equal(0);
      expect(nextThrottlePercent(40, { roundPages: 100, dirtyPages: 10 }, schedule), 'converging: the throttle stays').to.equal(40);
      expect(nextThrottlePercent(0, outran, autoConvergeSchedule(false)), 'off').to.equal(0);
      const custom = autoConvergeSchedule({ initialPercent: 50, incrementPercent: 25, maxPercent: 90 })!;
      expect([nextThrottlePercent(0, outran, custom), nextThrottlePercent(50, outran, custom), nextThrottlePercent(75, outran, custom)]).to.deep.equal([50, 75, 90]);
    });

    it('refuses a schedule that is not percentages from 1 to 99, naming the field', () => {
      expect(() => autoConvergeSchedule({ maxPercent: 100 })).to.throw(RangeError, /autoConverge.maxPercent must be a percentage from 1 to 99, got 100/);
      expect(() => autoConvergeSchedule({ incrementPercent: 0 })).to.throw(RangeError, /autoConverge.incrementPercent/);
      expect(() => autoConvergeSchedule({ initialPercent: Number.NaN })).to.throw(RangeError, /autoConverge.initialPercent/);
      expect(() => autoConvergeSchedule({ initialPercent: 60, maxPercent: 50 })).to.throw(RangeError, /initialPercent \(60\) exceeds maxPercent \(50\)/);
    });
  });

  describe('DirtyingWorkload.throttle', () => {
    it('skips that share of its writes, without losing fractions, and writes fully again at 0', () => {
      const memory = new GuestMemory({ pageCount: 64, key: randomBytes(64) });
      const workload = new DirtyingWorkload(memory, { pagesPerTick: 10, intervalMs: 1000 });
      const writesOver = (ticks: number) => { const before = workload.writes; for (let i = 0; i < ticks; i++) workload.tick(); return workload.writes - before; };
      expect(writesOver(20)).to.equal(200);
      workload.throttle(0.3);
      expect(writesOver(100)).to.equal(700);
      workload.throttle(0.99);
      expect(writesOver(100)).to.equal(10); // one write every 10 ticks
      workload.throttle(0);
      expect(writesOver(20)).to.equal(200);
      expect(() => workload.throttle(1)).to.throw(RangeError, /from 0 up to \(not including\) 1, got 1/);
      expect(() => workload.throttle(-0.1)).to.throw(RangeError);
    });
  });

  describe('progress line and report', () => {
    const event: MigrationProgress = { phase: 'pre-copy', round: 4, roundPages: 40, pagesSent: 300, dirtyPagesPerSecond: 1234, remainingDirtyPages: 100, bytesSent: 2_500_000, elapsedMs: 500 };
    const report: MigrationReport = {
      vmId: 'vm1', destination: '127.0.0.1:3030', epoch: 2n, totalMs: 1500, downtimeMs: 42, rounds: 4, pagesSent: 512, bytesSent: 2_200_000, throughputMBps: 1.5, maxThrottlePercent: 0,
      attestation: { ok: true, policyId: 'hv-1.0', message: 'destination attested', failingPcrs: [] },
    };

    it('show the throttle only while there is one', () => {
      expect(formatProgressLine({ ...event, throttlePercent: 40, etaMs: 2500 }, 120)).to.match(/dirty 1234 pages\/s throttle 40% ETA 2\.5 s$/);
      for (const throttlePercent of [0, undefined]) expect(formatProgressLine({ ...event, ...(throttlePercent === undefined ? {} : { throttlePercent }) }, 120)).not.to.contain('throttle');
      expect(formatMigrationReport({ ...report, maxThrottlePercent: 60 })).to.include('throttle     guest up to 60% (auto-converge)');
      expect(formatMigrationReport(report).join('\n')).not.to.contain('throttle');
    });
  });

  describe('over a slowed link between two hosts', () => {
    const migrateOverSlowLink = async (port: number, options: Omit<MigrateOptions, 'policy' | 'auth'>, atPoint?: MigrateOptions['atPoint']) => {
      const [a, b] = [await bootedHost('A'), await bootedHost('B')];
      const onHost = await startGuest(a, 'vm1', 512, new LocalVmKeySource(), { pagesPerTick: PAGES_PER_TICK, intervalMs: 10 });
      const guest = new FrameDrivenGuest(onHost.workload);
      const events: MigrationProgress[] = [];
      const attempt = await attemptMigration({
        source: a, destination: b, vmId: 'vm1', port, target: { auth: { none: true }, timeoutMs: 10_000 },
        migrate: {
          policy: await migrationPolicyFromReferenceHost('hypervisor-1.0', a.host), auth: { none: true }, timeoutMs: 10_000,
          maxDowntimeMs: 20, maxRounds: 12, guest, onProgress: (e) => events.push(e), tamper: slowLink(guest, LINK_BYTES_PER_MS), ...options,
          ...(atPoint ? { atPoint } : {}),
        },
      });
      guest.pause();
      return { a, b, onHost, guest, events, ...attempt, preCopy: events.filter((e) => e.phase === 'pre-copy') };
    };

    it('converges with auto-converge in fewer rounds and less downtime where without it pre-copy runs to maxRounds; the throttle follows the schedule and is released after commit', async () => {
      const off = await migrateOverSlowLink(3030, { autoConverge: false });
      const on = await migrateOverSlowLink(3031, {});
      for (const run of [off, on]) {
        expect(run.error).to.equal(undefined);
        expect(plaintextHash(run.b.vm('vm1')), 'memory moved intact').to.equal(sha(run.onHost.workload.shadow!));
      }
      const summary = JSON.stringify({
        off: { rounds: off.report!.rounds, downtimeMs: off.report!.downtimeMs, dirty: off.preCopy.map((e) => e.remainingDirtyPages) },
        on: { rounds: on.report!.rounds, downtimeMs: on.report!.downtimeMs, dirty: on.preCopy.map((e) => e.remainingDirtyPages), throttle: on.preCopy.map((e) => e.throttlePercent) },
      });

      // Off: never throttled, 12 pre-copy rounds then stop-and-copy of a dirty set the budget cannot take.
      expect(off.report!.rounds, summary).to.equal(13);
      expect(off.guest.throttles, 'never throttled: only the unconditional release at the end').to.deep.equal([0]);
      expect(off.report!.maxThrottlePercent).to.equal(0);
      expect(off.preCopy.every((e) => e.throttlePercent === 0)).to.equal(true);
      const offLast = off.preCopy[off.preCopy.length - 1]!;
      expect(offLast.etaMs!, `the last dirty set does not fit 20 ms: ${summary}`).to.be.greaterThan(20);

      // On: converged under the budget, before the cap, with a shorter pause.
      expect(on.report!.rounds, summary).to.be.lessThan(off.report!.rounds);
      expect(on.preCopy[on.preCopy.length - 1]!.etaMs!, summary).to.be.at.most(20);
      expect(on.report!.downtimeMs, summary).to.be.lessThan(off.report!.downtimeMs);

      // The schedule: each round's throttle follows from the round before (pre-copy events here are round ends: 512 pages < 8192).
      const percents = on.preCopy.map((e) => e.throttlePercent!);
      expect(percents[0]).to.equal(0);
      for (let i = 1; i < on.preCopy.length; i++) expect(percents[i], `round ${i + 1}: ${summary}`).to.equal(expectedNext(percents[i - 1]!, on.preCopy[i - 1]!));
      const applied = [...new Set(percents.filter((p) => p > 0))];
      expect(applied.length, `at least two steps: ${summary}`).to.be.at.least(2);
      expect(applied).to.deep.equal(applied.map((_, i) => 20 + 10 * i));
      expect(on.report!.maxThrottlePercent).to.equal(Math.max(...percents));
      expect(on.guest.throttles, 'each step applied once, then released after commit').to.deep.equal([...applied.map((p) => p / 100), 0]);
      expect(on.onHost.workload.throttleFraction).to.equal(0);

      // The throttled guest really wrote less: every frame-driven tick made (1 - throttle) of its writes, within one.
      const throttledTicks = on.guest.ticks.filter((t) => t.fraction > 0);
      expect(throttledTicks.length).to.be.greaterThan(0);
      for (const t of on.guest.ticks) expect(t.writes).to.be.closeTo(PAGES_PER_TICK * (1 - t.fraction), 1);
    });

    it('releases the throttle when the migration aborts: the guest writes at full rate again', async () => {
      const run = await migrateOverSlowLink(3032, {}, (point) => {
        if (point === 'key-handover') throw new Error('injected failure after stop-and-copy');
      });
      expect(run.error).to.be.instanceOf(MigrationAbortedError);
      expect(run.a.vms.get('vm1'), 'the VM still runs on the source').to.equal(run.onHost.vm);
      expect(plaintextHash(run.onHost.vm)).to.equal(sha(run.onHost.workload.shadow!));
      const throttled = run.guest.throttles.filter((f) => f > 0);
      expect(throttled.length, 'it was throttled before the abort').to.be.greaterThan(0);
      expect(run.guest.throttles[run.guest.throttles.length - 1], 'released last').to.equal(0);

      // The abort resumed the guest on its own timer (paused again by the helper): run it for a while, counting ticks.
      const { workload } = run.onHost;
      let ticks = 0;
      const tick = workload.tick.bind(workload);
      workload.tick = () => { ticks++; return tick(); };
      const before = workload.writes;
      workload.resume();
      await new Promise((r) => setTimeout(r, 200));
      workload.pause();
      expect(ticks).to.be.greaterThan(0);
      expect(workload.writes - before, `${ticks} ticks after the abort`).to.equal(ticks * PAGES_PER_TICK);
      const lastThrottled = Math.max(...throttled);
      expect(run.guest.ticks.filter((t) => t.fraction === lastThrottled).every((t) => t.writes < PAGES_PER_TICK), 'fewer while throttled').to.equal(true);
    });
  });
});
