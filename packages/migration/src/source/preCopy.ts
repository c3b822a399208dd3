import { PAGE_SIZE, type RunningVm } from '@vtpm/hypervisor';
import { RECORD } from '../channel/recordTypes.js';
import type { SecureStream } from '../channel/secureStream.js';
import type { MigrationProgress } from '../progress/migrationProgress.js';

export interface PreCopyOptions {
  /** Stop pre-copy when at most this many pages are dirty (default 64) ... */
  stopCopyThresholdPages?: number;
  /** ... or after this many rounds (default 30). */
  maxRounds?: number;
}

export type RoundProgress = Omit<MigrationProgress, 'phase' | 'elapsedMs'>;

/**
 * Sends `pages` of the VM as the XTS ciphertext the host already holds, inside the stream's AEAD
 * (never plaintext), then a round marker. Returns how many pages went.
 */
export async function sendPages(stream: SecureStream, vm: RunningVm, pages: Iterable<number>, round: number): Promise<number> {
  const ciphertext = vm.memory.hostView().ciphertext;
  let n = 0;
  for (const p of pages) {
    await stream.send(RECORD.page, ciphertext.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE), round, p * PAGE_SIZE);
    n++;
  }
  await stream.send(RECORD.roundEnd, Buffer.alloc(0), round);
  return n;
}

/**
 * Pre-copy while the guest runs: round 1 sends every page, each later round the pages dirtied
 * meanwhile, until few enough are dirty or the round limit is hit. Returns the last round number
 * and the pages sent; the remaining dirty pages go in stop-and-copy.
 */
export async function preCopy(stream: SecureStream, vm: RunningVm, options: PreCopyOptions, progress: (p: RoundProgress) => void): Promise<{ round: number; pagesSent: number }> {
  vm.memory.dirty.takeDirty();
  let round = 1;
  let roundStart = performance.now();
  let n = await sendPages(stream, vm, Array.from({ length: vm.memory.pageCount }, (_, i) => i), round);
  let pagesSent = n;
  const threshold = options.stopCopyThresholdPages ?? 64;
  const maxRounds = options.maxRounds ?? 30;
  for (;;) {
    await new Promise((r) => setImmediate(r)); // let the guest run between rounds
    const dirty = vm.memory.dirty.count();
    const seconds = (performance.now() - roundStart) / 1000;
    progress({ round, roundPages: n, pagesSent, dirtyPagesPerSecond: seconds > 0 ? dirty / seconds : 0, remainingDirtyPages: dirty, bytesSent: stream.bytesSent });
    if (dirty <= threshold || round >= maxRounds) return { round, pagesSent };
    round++;
    roundStart = performance.now();
    n = await sendPages(stream, vm, vm.memory.dirty.takeDirty(), round);
    pagesSent += n;
  }
}
