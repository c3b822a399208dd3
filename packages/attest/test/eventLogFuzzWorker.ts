/**
 * The event-log fuzzer, run in a worker thread so that a hang shows up as a timeout of the test
 * instead of a frozen test run. Mutates the real logs (truncation, byte flips, forged sizes and
 * counts) and runs parse + replay + report on each; the only acceptable failure is an
 * EventLogFormatError. Deterministic: a seeded PRNG, so a failure can be replayed by its seed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { eventLogReport, EventLogFormatError, parseEventLog, replayEventLog } from '../src/index.js';
import { LOG_NAMES, readLog } from './eventLogFixtures.js';

export interface FuzzResult {
  cases: number;
  parsed: number;
  rejected: number;
  /** Failures that were not an EventLogFormatError: each is a bug. */
  crashes: { log: string; seed: number; mutation: string; error: string }[];
  /** Rejections whose message lacks a byte offset. */
  withoutOffset: string[];
  slowestMs: number;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FORGED_U32 = [0, 1, 2, 3, 0x7f, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

function mutate(bytes: Buffer, rnd: () => number): { bytes: Buffer; mutation: string } {
  const at = Math.floor(rnd() * bytes.length);
  switch (Math.floor(rnd() * 5)) {
    case 0:
      return { bytes: bytes.subarray(0, at), mutation: `truncate to ${at}` };
    case 1: {
      const b = Buffer.from(bytes);
      const n = 1 + Math.floor(rnd() * 8);
      for (let i = 0; i < n; i++) b[Math.floor(rnd() * b.length)]! ^= 1 << Math.floor(rnd() * 8);
      return { bytes: b, mutation: `flip ${n} bits` };
    }
    case 2: {
      const b = Buffer.from(bytes);
      const v = FORGED_U32[Math.floor(rnd() * FORGED_U32.length)]!;
      if (at + 4 <= b.length) b.writeUInt32LE(v, at);
      return { bytes: b, mutation: `u32 ${v} at ${at}` };
    }
    case 3: {
      const b = Buffer.from(bytes);
      if (at + 8 <= b.length) b.writeBigUInt64LE(rnd() < 0.5 ? 0xffffffffffffffffn : BigInt(Math.floor(rnd() * 2 ** 40)), at);
      return { bytes: b, mutation: `u64 at ${at}` };
    }
    default: {
      const len = Math.floor(rnd() * 64);
      return { bytes: Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + len))]), mutation: `cut ${len} at ${at}` };
    }
  }
}

function fuzz(casesPerLog: number, firstSeed: number): FuzzResult {
  const result: FuzzResult = { cases: 0, parsed: 0, rejected: 0, crashes: [], withoutOffset: [], slowestMs: 0 };
  for (const log of LOG_NAMES) {
    const original = readLog(log);
    for (let i = 0; i < casesPerLog; i++) {
      const seed = firstSeed + i;
      const { bytes, mutation } = mutate(original, prng(seed));
      const start = performance.now();
      try {
        replayEventLog(parseEventLog(bytes));
        JSON.stringify(eventLogReport(bytes));
        result.parsed++;
      } catch (e) {
        if (e instanceof EventLogFormatError) {
          result.rejected++;
          if (e.offset === undefined && bytes.length > 0) result.withoutOffset.push(e.message);
        } else result.crashes.push({ log, seed, mutation, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
      result.cases++;
      result.slowestMs = Math.max(result.slowestMs, performance.now() - start);
    }
  }
  return result;
}

if (parentPort) parentPort.postMessage(fuzz(workerData.casesPerLog, workerData.firstSeed));
