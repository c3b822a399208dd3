import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { defaultPageCrypto, PAGE_SIZE } from '@vtpm/hypervisor';
import { DEFAULT_MAX_DOWNTIME_MS, gcmRecordCodec } from '@vtpm/migration';
import { measureGcmReference, type GcmReference } from './gcmReference.js';
import { LoopbackHosts } from './loopbackHosts.js';
import { measureMigration, type MigrationRun } from './migrationRun.js';

export interface MigrationBenchOptions {
  /** Loopback address both hosts listen on. */
  host: string;
  /** The two migration targets' ports; any free ports when absent. */
  ports?: [number, number];
  memoryMiB: number;
  /** Throughput pairs (one encrypted, one unencrypted run each) and dirtying runs. */
  rounds: number;
  /** Also run `openssl speed -evp aes-256-gcm` for reference. */
  openssl: boolean;
}

export interface MigrationBenchReport {
  memoryMiB: number;
  pages: number;
  pageCrypto: string;
  /** The RecordCodec encrypted streams use here: NativeGcmRecordCodec (addon) or GcmRecordCodec (node:crypto). */
  streamCodec: string;
  /** Defining and starting the VM (GuestMemory encrypts all of it once): not in any run. */
  vmStartMs: number;
  /** One run each way before measuring (first touch of every buffer, JIT): shown, not counted. */
  warmup: MigrationRun[];
  throughput: MigrationRun[];
  /** Guest dirtying 1 % of its pages every 100 ms. */
  dirtying: { pagesPerTick: number; intervalMs: number; maxDowntimeMs: number };
  downtime: MigrationRun[];
  gcm: GcmReference;
}

export const MIGRATION_VM = 'bench-vm';

/** Frees the scrubbed memory of the host a VM left before the next run allocates 1 GiB again. */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  return () => gc?.();
})();

/**
 * `--suite migration`: a VM of `memoryMiB` shuttled between two hosts of this process over
 * loopback TCP. (a) encrypted against unencrypted stream, the same pipeline otherwise, runs
 * interleaved; (b) downtime with a guest dirtying 1 % of its pages every 100 ms under the
 * default maxDowntimeMs; (c) AES-256-GCM alone on this CPU.
 */
export async function runMigrationBench(options: MigrationBenchOptions, progress: (line: string) => void = () => {}): Promise<MigrationBenchReport> {
  const pages = Math.round((options.memoryMiB * 1024 * 1024) / PAGE_SIZE);
  // First, before 2 GiB of buffers come and go: the CPU's own AES-GCM rate as reference.
  progress('AES-256-GCM reference');
  const gcm = await measureGcmReference(options.openssl);
  const pair = await LoopbackHosts.start(options.host, options.ports ?? [0, 0]);
  try {
    progress(`starting a ${options.memoryMiB} MiB VM (${pages} pages) on host A`);
    const vmStartMs = await pair.startVm(MIGRATION_VM, pages);
    const run = async (label: string, o: Parameters<typeof measureMigration>[2]) => {
      collectGarbage();
      const r = await measureMigration(pair, MIGRATION_VM, o);
      progress(`${label} ${r.direction}: stream ${r.streamMBps.toFixed(0)} MB/s, total ${r.totalMs.toFixed(0)} ms, downtime ${r.downtimeMs.toFixed(0)} ms, ${r.rounds} rounds`);
      return r;
    };
    const warmup = [await run('warm-up encrypted', { encrypted: true }), await run('warm-up unencrypted', { encrypted: false })];
    const throughput: MigrationRun[] = [];
    for (let i = 0; i < options.rounds; i++) {
      // Alternate which goes first, so each variant runs in both directions and both positions.
      for (const encrypted of i % 2 ? [false, true] : [true, false]) throughput.push(await run(`round ${i + 1} ${encrypted ? 'encrypted' : 'unencrypted'}`, { encrypted }));
    }
    const dirtying = { pagesPerTick: Math.round(pages / 100), intervalMs: 100, maxDowntimeMs: DEFAULT_MAX_DOWNTIME_MS };
    const downtime: MigrationRun[] = [];
    for (let i = 0; i < options.rounds; i++) downtime.push(await run(`dirtying ${i + 1}`, { encrypted: true, dirtying, maxDowntimeMs: dirtying.maxDowntimeMs }));
    return { memoryMiB: options.memoryMiB, pages, pageCrypto: defaultPageCrypto().name, streamCodec: gcmRecordCodec(randomBytes(32)).constructor.name, vmStartMs, warmup, throughput, dirtying, downtime, gcm };
  } finally {
    await pair.close();
    collectGarbage();
  }
}
