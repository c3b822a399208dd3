import { PAGE_SIZE, type RunningVm } from '@vtpm/hypervisor';
import { RECORD } from '../channel/recordTypes.js';
import type { SecureStream } from '../channel/secureStream.js';
import type { MigrationProgress } from '../progress/migrationProgress.js';
import { encodePageBatch, MAX_BATCH_PAGES, pageBatchScratch } from '../transfer/pageBatch.js';
import { BandwidthMeter } from './bandwidthMeter.js';
import type { PausableGuest } from '../workload/dirtyingWorkload.js';
import { autoConvergeSchedule, nextThrottlePercent, stopReason, transferMs, type ConvergenceOptions, type StopReason } from './convergence.js';

export interface PreCopyOptions extends ConvergenceOptions {
  /** The running guest: auto-converge throttles it if it can be (PausableGuest.throttle). */
  guest?: PausableGuest;
}

export type RoundProgress = Omit<MigrationProgress, 'phase' | 'elapsedMs'>;

/** A progress event every this many pages inside a round (32 MiB): a 1 GiB first round takes seconds. */
export const PROGRESS_EVERY_PAGES = 8192;

/**
 * Sends `pages` (ascending) of the VM as the ciphertext the host already holds, 64 to a pageBatch
 * record inside the stream's AEAD (never plaintext), then a round marker. A gcm VM's batches also
 * carry each page's tag and version, taken in the same synchronous step as its ciphertext (the
 * guest cannot write in between, so the three match). Each send
 * waits only when the socket pushes back. `onBatch` hears the pages sent so far in this call.
 * Returns how many pages went.
 */
export async function sendPages(stream: SecureStream, vm: RunningVm, pages: Iterable<number>, round: number, onBatch?: (sent: number) => void): Promise<number> {
  const { memory } = vm;
  const ciphertext = memory.hostView().ciphertext;
  // Reused for every batch: the stream seals (copies) a body before send() first yields.
  const scratch = pageBatchScratch(memory.mode);
  let n = 0;
  let batch: number[] = [];
  const flush = async () => {
    const integrity = memory.mode === 'gcm' ? memory.exportIntegrityForMigration(batch) : undefined;
    await stream.send(RECORD.pageBatch, encodePageBatch(ciphertext, batch, scratch, integrity), round, batch[0]! * PAGE_SIZE);
    n += batch.length;
    batch = [];
    onBatch?.(n);
  };
  for (const p of pages) {
    batch.push(p);
    if (batch.length === MAX_BATCH_PAGES) await flush();
  }
  if (batch.length) await flush();
  await stream.send(RECORD.roundEnd, Buffer.alloc(0), round);
  return n;
}

export interface PreCopyResult {
  /** The last pre-copy round; stop-and-copy is the next. */
  round: number;
  pagesSent: number;
  stopReason: StopReason;
  /** The guest throttle pre-copy ended with, its highest (auto-converge only raises it); 0 if never throttled. */
  throttlePercent: number;
}

/**
 * Pre-copy while the guest runs: round 1 sends every page, each later round the pages dirtied
 * meanwhile, until what is left fits the downtime budget at the measured bandwidth and rounds
 * no longer shrink it by a quarter (or the explicit page threshold, or the round cap: see
 * convergence.ts). Progress events come at every round's end and every PROGRESS_EVERY_PAGES
 * inside one, with bandwidth and ETA. The remaining dirty pages go in stop-and-copy.
 * Auto-converge: after each round that outran the link, the guest is throttled harder
 * (nextThrottlePercent); the caller releases the throttle (throttle(0)) when the migration ends.
 */
export async function preCopy(stream: SecureStream, vm: RunningVm, options: PreCopyOptions, progress: (p: RoundProgress) => void): Promise<PreCopyResult> {
  const { dirty } = vm.memory;
  const meter = new BandwidthMeter();
  let pagesSent = 0;
  // A guest that cannot be throttled is never reported as throttled.
  const schedule = options.guest?.throttle ? autoConvergeSchedule(options.autoConverge) : undefined;
  let throttlePercent = 0;
  dirty.takeDirty();
  for (let round = 1; ; round++) {
    const pages = round === 1 ? Array.from({ length: vm.memory.pageCount }, (_, i) => i) : dirty.takeDirty();
    const roundStart = performance.now();
    const report = (sentInRound: number) => {
      const dirtied = dirty.count();
      const rate = meter.throughput();
      const eta = transferMs(pages.length - sentInRound + dirtied, rate?.pagesPerMs);
      const seconds = (performance.now() - roundStart) / 1000;
      progress({
        round,
        roundPages: sentInRound,
        pagesSent: pagesSent + sentInRound,
        dirtyPagesPerSecond: seconds > 0 ? dirtied / seconds : 0,
        remainingDirtyPages: pages.length - sentInRound + dirtied,
        bytesSent: stream.bytesSent,
        throttlePercent,
        ...(Number.isFinite(eta) ? { etaMs: eta } : {}),
        ...(rate ? { bandwidthMBps: rate.bytesPerMs / 1e3 } : {}),
      });
      return dirtied;
    };
    meter.sample(pagesSent, stream.bytesSent, roundStart);
    const n = await sendPages(stream, vm, pages, round, (sent) => {
      meter.sample(pagesSent + sent, stream.bytesSent);
      if (sent % PROGRESS_EVERY_PAGES === 0 && sent < pages.length) report(sent);
    });
    await new Promise((r) => setImmediate(r)); // let the guest run between rounds
    const dirtied = report(n);
    pagesSent += n;
    const outcome = { round, roundPages: n, dirtyPages: dirtied, pagesPerMs: meter.throughput()?.pagesPerMs };
    const reason = stopReason(outcome, options);
    if (reason) return { round, pagesSent, stopReason: reason, throttlePercent };
    const next = nextThrottlePercent(throttlePercent, outcome, schedule);
    if (next !== throttlePercent) options.guest!.throttle!((throttlePercent = next) / 100);
  }
}
