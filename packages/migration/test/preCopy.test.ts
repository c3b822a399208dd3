import { expect } from 'chai';
import { randomBytes, randomInt } from 'node:crypto';
import { GuestMemory, LocalVmKeySource, PAGE_SIZE, type RunningVm } from '@vtpm/hypervisor';
import {
  MAX_BATCH_PAGES, MigrationAbortedError, RECORD, RECORD_HEADER_BYTES, RecordRejectedError, encodePageBatch, installPageBatch, migrationPolicyFromReferenceHost,
  pageBatchBodyBytes, pageBatchScratch, preCopy, stopReason, type MigrateOptions, type MigrationProgress, type PausableGuest, type RoundProgress, type SecureStream,
  type StreamRecord, type VmHost,
} from '../src/index.js';
import { bootedHost, guestWrite, plaintextHash, sha, startGuest, type GuestOnHost } from './support/migrationHosts.js';
import { attemptMigration, expectStayedOnSource } from './support/migrationRun.js';

/** Record header + GCM tag + frame length: what a record adds to its body on the wire. */
const RECORD_OVERHEAD = RECORD_HEADER_BYTES + 16 + 4;
const WIRE_BYTES_PER_PAGE = (pageBatchBodyBytes(MAX_BATCH_PAGES) + RECORD_OVERHEAD) / MAX_BATCH_PAGES;
const FULL_BATCH_FRAME = RECORD_HEADER_BYTES + pageBatchBodyBytes(MAX_BATCH_PAGES) + 16;

const batchRecord = (body: Buffer, gpa: number): StreamRecord => ({ type: RECORD.pageBatch, seq: 7n, round: 1, gpa, body });

describe('@vtpm/migration pre-copy: page batches, downtime-driven convergence, ETA', function () {
  this.timeout(60_000);

  describe('page batch records', () => {
    it('carry non-contiguous pages to the same places, whatever the batch size', () => {
      const pageCount = 200;
      const source = randomBytes(pageCount * PAGE_SIZE);
      const pages = [0, 3, 4, 63, 64, 150, 199];
      const staged = Buffer.alloc(source.length);
      const body = encodePageBatch(source, pages, pageBatchScratch());
      expect(body.length).to.equal(2 + pages.length * (4 + PAGE_SIZE));
      expect(installPageBatch(batchRecord(body, 0), staged)).to.equal(pages.length);
      for (let p = 0; p < pageCount; p++) {
        const expected = pages.includes(p) ? source.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE) : Buffer.alloc(PAGE_SIZE);
        expect(staged.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE).equals(expected), `page ${p}`).to.equal(true);
      }
    });

    it('refuse, naming the problem, a page list that is out of range, unordered, miscounted or disagrees with the header', () => {
      const memory = randomBytes(100 * PAGE_SIZE);
      const staged = Buffer.alloc(memory.length);
      const encoded = (pages: number[]) => Buffer.from(encodePageBatch(memory, pages, pageBatchScratch()));
      const withPage = (body: Buffer, slot: number, page: number) => { const b = Buffer.from(body); b.writeUInt32BE(page, 2 + 4 * slot); return b; };
      const refused = (body: Buffer, gpa: number, reason: RegExp) => {
        expect(() => installPageBatch(batchRecord(body, gpa), staged)).to.throw(RecordRejectedError, reason);
      };
      const good = encoded([5, 6, 9]);
      refused(withPage(good, 2, 100), 5 * PAGE_SIZE, /page 100 is outside the VM's 100 pages/);
      refused(withPage(good, 1, 5), 5 * PAGE_SIZE, /page 5 follows page 5: pages must be strictly ascending/);
      refused(withPage(good, 2, 1), 5 * PAGE_SIZE, /page 1 follows page 6/);
      refused(good.subarray(0, good.length - 1), 5 * PAGE_SIZE, /octets for 3 pages/);
      const zero = Buffer.from(good); zero.writeUInt16BE(0, 0);
      refused(zero, 5 * PAGE_SIZE, /0 pages, a batch holds 1 to 64/);
      refused(good, 6 * PAGE_SIZE, /header gpa 0x6000 is not the first page's \(page 5\)/);
      refused(Buffer.alloc(1), 0, /no page count/);
      expect(staged.every((b) => b === 0), 'nothing installed from a refused batch').to.equal(true);
      expect(() => encodePageBatch(memory, Array.from({ length: 65 }, (_, i) => i), pageBatchScratch())).to.throw(RangeError, /1 to 64 pages, got 65/);
    });
  });

  describe('stop decision', () => {
    const outcome = (dirtyPages: number, pagesPerMs: number | undefined, roundPages = 1000, round = 3) => ({ round, roundPages, dirtyPages, pagesPerMs });

    it('stops when the dirty pages fit the downtime budget at the measured bandwidth and rounds no longer shrink them', () => {
      // 800 dirty pages after a round of 1000: 8 ms at 100 pages/ms (a fast link), 800 ms at 1 page/ms (a slow one).
      expect(stopReason(outcome(800, 100), {})).to.equal('downtime');
      expect(stopReason(outcome(800, 1), {})).to.equal(undefined);
      expect(stopReason(outcome(800, 1), { maxDowntimeMs: 1000 })).to.equal('downtime');
      expect(stopReason(outcome(600, undefined), {}), 'nothing measured yet: keep going').to.equal(undefined);
      expect(stopReason(outcome(0, undefined), {}), 'nothing dirty: nothing to wait for').to.equal('downtime');
    });

    it('goes on while a round still shrinks the dirty set to 3/4 or less, even within the budget', () => {
      expect(stopReason(outcome(750, 100), {}), '750 of 1000: shrinking').to.equal(undefined);
      expect(stopReason(outcome(751, 100), {})).to.equal('downtime');
      expect(stopReason(outcome(750, 100, 1000, 30), {}), 'but never past the cap').to.equal('max-rounds');
    });

    it('takes the explicit page threshold instead of the budget, and the round cap over both', () => {
      expect(stopReason(outcome(800, 100), { stopCopyThresholdPages: 64 }), 'under budget, over threshold').to.equal(undefined);
      expect(stopReason(outcome(64, 0.001), { stopCopyThresholdPages: 64 })).to.equal('threshold');
      expect(stopReason(outcome(10, 100, 1000), { stopCopyThresholdPages: 64 }), 'the threshold does not wait for shrinking').to.equal('threshold');
      expect(stopReason(outcome(600, 1, 1000, 30), {})).to.equal('max-rounds');
      expect(stopReason(outcome(600, 1, 1000, 3), { maxRounds: 3 })).to.equal('max-rounds');
      expect(stopReason(outcome(600, 1, 1000, 2), { maxRounds: 3 })).to.equal(undefined);
    });
  });

  describe('over a simulated link of fixed bandwidth', () => {
    /**
     * Stands in for SecureStream: a link draining at exactly `bytesPerMs` behind a send buffer of
     * `bufferBytes`. send() returns at once while the buffer has room and busy-waits (a saturated link) otherwise.
     */
    class SimulatedLink {
      bytesSent = 0;
      private freeAt = 0;

      constructor(private readonly bytesPerMs: number, private readonly bufferBytes: number, private readonly onRecord: () => void = () => {}) {}

      async send(_type: number, body: Buffer): Promise<void> {
        const bytes = body.length + RECORD_OVERHEAD;
        this.bytesSent += bytes;
        this.freeAt = Math.max(this.freeAt, performance.now()) + bytes / this.bytesPerMs;
        const bufferMs = this.bufferBytes / this.bytesPerMs;
        while (this.freeAt - performance.now() > bufferMs) { /* the wire is busy */ }
        this.onRecord();
      }
    }
    const vmWithMemory = (pageCount: number) => ({ memory: new GuestMemory({ pageCount, key: randomBytes(64) }) }) as unknown as RunningVm;
    const run = async (link: SimulatedLink, vm: RunningVm, options: Parameters<typeof preCopy>[2]) => {
      const events: RoundProgress[] = [];
      const result = await preCopy(link as unknown as SecureStream, vm, options, (e) => events.push(e));
      return { result, events };
    };

    it('reports an ETA that falls with the work left, computed from the bandwidth it reports', async () => {
      const pageCount = 4 * 8192; // in-round events every 8192 pages: three, then the round's end
      const bytesPerMs = 5e5; // 500 MB/s
      const { result, events } = await run(new SimulatedLink(bytesPerMs, 1 << 20), vmWithMemory(pageCount), {});
      expect(result).to.deep.equal({ round: 1, pagesSent: pageCount, stopReason: 'downtime', throttlePercent: 0 });
      expect(events.map((e) => e.pagesSent)).to.deep.equal([8192, 16384, 24576, 32768]);
      const etas = events.map((e) => e.etaMs!);
      for (let i = 1; i < etas.length; i++) expect(etas[i], `ETA at event ${i}: ${etas.join(', ')}`).to.be.lessThan(etas[i - 1]!);
      expect(etas[etas.length - 1]).to.equal(0);
      for (const e of events) {
        const remaining = pageCount - e.pagesSent;
        expect(e.remainingDirtyPages).to.equal(remaining);
        // The time the simulated link needs for what is left; and the same from the reported bandwidth.
        const linkMs = (remaining * WIRE_BYTES_PER_PAGE) / bytesPerMs;
        expect(e.etaMs!).to.be.closeTo(linkMs, 0.15 * linkMs);
        expect(e.etaMs!).to.be.closeTo((remaining * WIRE_BYTES_PER_PAGE) / (e.bandwidthMBps! * 1e3), 0.01 * linkMs);
        expect(e.bandwidthMBps!).to.be.closeTo(bytesPerMs / 1e3, 0.15 * (bytesPerMs / 1e3));
      }
    });

    it('converges on a fast link where a slow one cannot get under the budget, for the same guest', async () => {
      const pageCount = 512;
      const budgetMs = 0.5;
      // The guest dirties 2 new pages for every record sent (a round of n pages sends n/64 + 1 records):
      // rounds send 512, 18, 4, 4, ... pages. 4 pages (16 kB) take 0.01 ms at 2 GB/s, 0.8 ms at 20 MB/s.
      const dirtying = (vm: RunningVm) => {
        let next = 0;
        return () => { for (let i = 0; i < 2; i++) vm.memory.write(((next++ * 7) % pageCount) * PAGE_SIZE, Buffer.from('x')); };
      };
      const outcomes: Record<string, { round: number; stopReason: string; lastEtaMs: number }> = {};
      for (const [name, bytesPerMs] of [['fast', 2e6], ['slow', 2e4]] as const) {
        const vm = vmWithMemory(pageCount);
        // No send buffer: with 2 MiB of memory, a buffer of 1 MiB would double the measured rate.
        const { result, events } = await run(new SimulatedLink(bytesPerMs, 0, dirtying(vm)), vm, { maxDowntimeMs: budgetMs, maxRounds: 6 });
        expect(events.map((e) => e.roundPages), `${name}: pages per round`).to.deep.equal(name === 'fast' ? [512, 18, 4] : [512, 18, 4, 4, 4, 4]);
        outcomes[name] = { round: result.round, stopReason: result.stopReason, lastEtaMs: events[events.length - 1]!.etaMs! };
      }
      expect(outcomes.fast!.stopReason, JSON.stringify(outcomes)).to.equal('downtime');
      expect(outcomes.fast!.round, 'round 3 is the first that does not shrink the dirty set').to.equal(3);
      expect(outcomes.fast!.lastEtaMs).to.be.at.most(budgetMs);
      expect(outcomes.slow!.stopReason, JSON.stringify(outcomes)).to.equal('max-rounds');
      expect(outcomes.slow!.round).to.equal(6);
      expect(outcomes.slow!.lastEtaMs, '4 pages at 20 MB/s').to.be.closeTo((4 * WIRE_BYTES_PER_PAGE) / 2e4, 0.3);
    });
  });

  describe('over TCP between two hosts', () => {
    const policyOf = (a: VmHost) => migrationPolicyFromReferenceHost('hypervisor-1.0', a.host);
    /** A guest that writes `pagesPerFrame` random pages whenever the source sends a frame, until paused: dirtying tied to progress, not to timing. */
    const frameDrivenGuest = (guest: GuestOnHost, pagesPerFrame: number) => {
      let paused = false;
      const control: PausableGuest = { pause: () => { paused = true; }, resume: () => { paused = false; } };
      const onFrame = () => {
        if (paused) return;
        for (let i = 0; i < pagesPerFrame; i++) guestWrite(guest, randomInt(guest.vm.memory.pageCount) * PAGE_SIZE + 64, randomBytes(16));
      };
      return { control, onFrame };
    };
    const migrate = async (port: number, pages: number, options: (guest: GuestOnHost) => Omit<MigrateOptions, 'policy' | 'auth'>) => {
      const [a, b] = [await bootedHost('A'), await bootedHost('B')];
      const guest = await startGuest(a, 'vm1', pages, new LocalVmKeySource());
      const events: MigrationProgress[] = [];
      const attempt = await attemptMigration({
        source: a, destination: b, vmId: 'vm1', port, target: { auth: { none: true }, timeoutMs: 5000 },
        migrate: { policy: await policyOf(a), auth: { none: true }, timeoutMs: 5000, onProgress: (e) => events.push(e), ...options(guest) },
      });
      return { a, b, guest, events, ...attempt };
    };

    it('moves every page in batches: the destination reads what the guest wrote, in a few records instead of one per page', async () => {
      const pages = 1000; // not a multiple of 64: the last batch is short
      let frames = 0;
      const { b, guest, report, error, events } = await migrate(2840, pages, (g) => {
        g.vm.memory.writePages(0, randomBytes(pages * PAGE_SIZE));
        g.vm.memory.read(0, g.vm.memory.sizeBytes).copy(g.workload.shadow!);
        g.workload.resume();
        return { guest: g.workload, tamper: (f) => { frames++; return f; } };
      });
      guest.workload.pause();
      expect(error).to.equal(undefined);
      expect(plaintextHash(b.vm('vm1'))).to.equal(sha(guest.workload.shadow!));
      expect(report!.pagesSent).to.be.at.least(pages);
      // One frame per page would be over 1000; batched, round 1 takes 16 records.
      expect(frames, `${frames} frames for ${report!.pagesSent} pages`).to.be.lessThan(Math.ceil(report!.pagesSent / MAX_BATCH_PAGES) + 10 * report!.rounds + 20);
      expect(events.some((e) => e.phase === 'pre-copy' && e.bandwidthMBps! > 0 && e.etaMs !== undefined)).to.equal(true);
    });

    for (const [what, offset, mask] of [
      ['a page number in its list', RECORD_HEADER_BYTES + 2 + 4 + 3, 0x01], // page 1 becomes page 0
      ["its header's gpa", 13 + 6, 0x10], // the gpa moves by one page
    ] as const) {
      it(`refuses a batch when ${what} was changed in flight; the VM stays on the source`, async () => {
        let spliced = false;
        const [a, b] = [await bootedHost('A'), await bootedHost('B')];
        const guest = await startGuest(a, 'vm1', 256);
        guestWrite(guest, 0x3000, Buffer.from('still here'));
        const before = plaintextHash(guest.vm);
        const attempt = await attemptMigration({
          source: a, destination: b, vmId: 'vm1', port: 2841, target: { auth: { none: true }, timeoutMs: 2000 },
          migrate: {
            policy: await policyOf(a), auth: { none: true }, timeoutMs: 2000, guest: guest.workload,
            tamper: (f) => {
              if (spliced || f.length !== FULL_BATCH_FRAME || f[0] !== RECORD.pageBatch) return f;
              spliced = true;
              const s = Buffer.from(f);
              s[offset]! ^= mask;
              return s;
            },
          },
        });
        guest.workload.pause(); // resumed by the source's abort
        expect(spliced).to.equal(true);
        expect(attempt.error).to.be.instanceOf(MigrationAbortedError);
        expect(attempt.destination?.error?.message).to.match(/does not authenticate/);
        expectStayedOnSource(a, b, guest, before);
      });
    }

    it('refuses a spliced page list on an unencrypted (benchmark) stream too, by its checks: out of range', async () => {
      let spliced = false;
      const keys = new Map<string, Buffer>();
      const keySource = { fetchKey: async (vmId: string) => { const k = await new LocalVmKeySource().fetchKey(vmId); keys.set(vmId, Buffer.from(k)); return k; } };
      const [a, b] = [await bootedHost('A'), await bootedHost('B')];
      const guest = await startGuest(a, 'vm1', 256, keySource);
      const before = plaintextHash(guest.vm);
      const attempt = await attemptMigration({
        source: a, destination: b, vmId: 'vm1', port: 2842,
        target: { auth: { none: true }, timeoutMs: 2000, allowUnencryptedStream: true, vmKeyForUnencryptedBenchmark: (vmId) => Buffer.from(keys.get(vmId)!) },
        migrate: {
          policy: await policyOf(a), auth: { none: true }, timeoutMs: 2000, streamEncryption: false,
          tamper: (f) => {
            if (spliced || f[0] !== RECORD.pageBatch || f.length !== RECORD_HEADER_BYTES + pageBatchBodyBytes(MAX_BATCH_PAGES)) return f;
            spliced = true;
            const s = Buffer.from(f);
            s.writeUInt32BE(0xffff_ff00, RECORD_HEADER_BYTES + 2 + 4 * 63);
            return s;
          },
        },
      });
      expect(spliced).to.equal(true);
      expect(attempt.error).to.be.instanceOf(MigrationAbortedError);
      expect(attempt.destination?.error?.message).to.match(/page 4294967040 is outside the VM's 256 pages/);
      expectStayedOnSource(a, b, guest, before);
    });

    it('with maxDowntimeMs stops pre-copy rounds earlier on a fast link than a tiny page threshold would', async () => {
      const rounds: number[] = [];
      for (const [i, convergence] of [{}, { stopCopyThresholdPages: 1 }].entries()) {
        const { b, guest, report, error, events } = await migrate(2843 + i, 2048, (g) => {
          const driven = frameDrivenGuest(g, 4);
          return { ...convergence, maxRounds: 8, guest: driven.control, tamper: (f) => { driven.onFrame(); return f; } };
        });
        expect(error).to.equal(undefined);
        expect(plaintextHash(b.vm('vm1')), 'memory moved intact').to.equal(sha(guest.workload.shadow!));
        const lastPreCopy = events.filter((e) => e.phase === 'pre-copy').pop()!;
        if (i === 0) expect(lastPreCopy.etaMs!, 'stopped once the rest fit 300 ms').to.be.at.most(300);
        else expect(lastPreCopy.remainingDirtyPages, 'the guest dirties 4 pages a frame: never down to 1').to.be.greaterThan(1);
        rounds.push(report!.rounds);
      }
      expect(rounds[1], 'threshold 1: up to the cap, then stop-and-copy').to.equal(9);
      expect(rounds[0], `rounds with maxDowntimeMs ${rounds[0]}, with threshold ${rounds[1]}`).to.be.lessThan(rounds[1]!);
    });

    it('caps pre-copy at maxRounds for a guest that never lets it converge', async () => {
      const { b, guest, report, error, events } = await migrate(2845, 512, (g) => {
        const driven = frameDrivenGuest(g, 4);
        return { maxDowntimeMs: 0, maxRounds: 3, guest: driven.control, tamper: (f) => { driven.onFrame(); return f; } };
      });
      expect(error).to.equal(undefined);
      expect(report!.rounds, 'three pre-copy rounds, then stop-and-copy').to.equal(4);
      expect(Math.max(...events.filter((e) => e.phase === 'pre-copy').map((e) => e.round))).to.equal(3);
      expect(plaintextHash(b.vm('vm1'))).to.equal(sha(guest.workload.shadow!));
    });
  });
});
