import { DirtyingWorkload, type MigrationProgress } from '@vtpm/migration';
import type { LoopbackHosts } from './loopbackHosts.js';

/** One measured migration. MB are 10^6 octets of wire bytes (records, headers, tags, frame lengths). */
export interface MigrationRun {
  encrypted: boolean;
  /** host that sent -> host that received */
  direction: string;
  /**
   * Round 1's steady rate: wire bytes between its first progress event (after 32 MiB) and its
   * end, over that time. No handshake, attestation or commit in it: the stream alone.
   */
  streamMBps: number;
  /** All bytes over the whole migration's time, handshake to commit. */
  endToEndMBps: number;
  totalMs: number;
  downtimeMs: number;
  rounds: number;
  pagesSent: number;
  bytesSent: number;
  /** Pages sent while the guest was paused (stop-and-copy). */
  finalPages: number;
  /** Pages each pre-copy round sent, then stop-and-copy's. */
  roundPages: number[];
  /** Pages the guest wrote during the migration (with a dirtying guest). */
  guestWrites?: number;
}

export interface RunOptions {
  encrypted: boolean;
  /** A guest writing `pagesPerTick` random pages every `intervalMs` while pre-copy runs. */
  dirtying?: { pagesPerTick: number; intervalMs: number };
  maxDowntimeMs?: number;
}

function roundOneRate(events: MigrationProgress[]): number | undefined {
  const round1 = events.filter((e) => e.phase === 'pre-copy' && e.round === 1);
  const first = round1[0];
  const last = round1[round1.length - 1];
  if (!first || !last || last.elapsedMs <= first.elapsedMs) return undefined;
  return (last.bytesSent - first.bytesSent) / 1e3 / (last.elapsedMs - first.elapsedMs);
}

/** Pages per round: each round's last event (its end) carries the round's total. */
function roundSizes(events: MigrationProgress[]): number[] {
  const sizes: number[] = [];
  for (const e of events) if (e.phase === 'pre-copy' || e.phase === 'stop-and-copy') sizes[e.round - 1] = e.roundPages;
  return sizes.map((n) => n ?? 0);
}

/** Migrates `vmId` to the other host of `pair` once and keeps the numbers. */
export async function measureMigration(pair: LoopbackHosts, vmId: string, options: RunOptions): Promise<MigrationRun> {
  const from = pair.holder(vmId);
  const vm = from.vm(vmId);
  const workload = options.dirtying ? new DirtyingWorkload(vm.memory, options.dirtying) : undefined;
  const events: MigrationProgress[] = [];
  workload?.resume();
  try {
    const r = await pair.migrate(vmId, {
      streamEncryption: options.encrypted,
      ...(workload ? { guest: workload } : {}),
      ...(options.maxDowntimeMs !== undefined ? { maxDowntimeMs: options.maxDowntimeMs } : {}),
      onProgress: (e) => events.push(e),
    });
    return {
      encrypted: options.encrypted,
      direction: `${from.name} -> ${pair.holder(vmId).name}`,
      streamMBps: roundOneRate(events) ?? r.throughputMBps,
      endToEndMBps: r.throughputMBps,
      totalMs: r.totalMs,
      downtimeMs: r.downtimeMs,
      rounds: r.rounds,
      pagesSent: r.pagesSent,
      bytesSent: r.bytesSent,
      finalPages: events.find((e) => e.phase === 'stop-and-copy')?.roundPages ?? 0,
      roundPages: roundSizes(events),
      ...(workload ? { guestWrites: workload.writes } : {}),
    };
  } finally {
    workload?.pause();
  }
}
