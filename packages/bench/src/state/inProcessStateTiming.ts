import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restoreTpm, savePermanentState, saveVolatileState, type Tpm } from '@vtpm/tpm';
import { StateKey, sealState, writeFileDurably } from '@vtpm/server';
import { median } from './blobTransferTiming.js';

/** What the control channel's numbers are made of, for vtpm in this process (milliseconds, medians). */
export interface InProcessStateTiming {
  /** savePermanentState + saveVolatileState. */
  serializeMs: number;
  /** restoreTpm from both blobs. */
  restoreMs: number;
  /** The permanent blob sealed with AES-256-GCM (a state key). */
  sealMs: number;
  /** One crash-safe write of the sealed permanent blob: temporary file, fsync, rename, directory fsync. */
  durableWriteMs: number;
}

export async function timeInProcessState(tpm: Tpm, rounds: number): Promise<InProcessStateTiming> {
  const serialize: number[] = [];
  const restore: number[] = [];
  const seal: number[] = [];
  const write: number[] = [];
  const key = StateKey.fromBytes(Buffer.alloc(32, 1));
  const dir = mkdtempSync(join(tmpdir(), 'vtpm-bench-state-'));
  try {
    for (let i = 0; i < rounds; i++) {
      let t = performance.now();
      const blobs = { permanent: savePermanentState(tpm), volatile: saveVolatileState(tpm) };
      serialize.push(performance.now() - t);
      t = performance.now();
      restoreTpm(blobs);
      restore.push(performance.now() - t);
      t = performance.now();
      const sealed = sealState({ type: 1, lineage: Buffer.alloc(16), generation: BigInt(i + 1), shutDown: false, payload: blobs.permanent }, key);
      seal.push(performance.now() - t);
      t = performance.now();
      await writeFileDurably(join(dir, 'tpm2-00.permall'), sealed);
      write.push(performance.now() - t);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { serializeMs: median(serialize), restoreMs: median(restore), sealMs: median(seal), durableWriteMs: median(write) };
}
