import { SwtpmControlClient, deliverStateBlobs, fetchStateBlobs } from '@vtpm/server';

/** Median milliseconds and blob sizes of moving a TPM's state over its swtpm control channel. */
export interface BlobTransferTiming {
  /** GET_STATEBLOB permanent, volatile, savestate (QEMU's pre_save). */
  saveMs: number;
  /** CMD_STOP, SET_STATEBLOB of each non-empty blob, CMD_INIT (QEMU's post_load). */
  restoreMs: number;
  sizes: { permanent: number; volatile: number; savestate: number };
}

/**
 * Saves the TPM's state and restores it into the same TPM, `rounds` times, over one control
 * connection as QEMU keeps it. Both halves are timed separately; the medians are reported.
 */
export async function timeBlobTransfer(host: string, ctrlPort: number, rounds: number): Promise<BlobTransferTiming> {
  const ctrl = await SwtpmControlClient.connect(host, ctrlPort);
  const saves: number[] = [];
  const restores: number[] = [];
  let sizes = { permanent: 0, volatile: 0, savestate: 0 };
  try {
    for (let i = 0; i < rounds; i++) {
      let t = performance.now();
      const blobs = await fetchStateBlobs(ctrl);
      saves.push(performance.now() - t);
      sizes = { permanent: blobs[0]!.blob.length, volatile: blobs[1]!.blob.length, savestate: blobs[2]!.blob.length };
      t = performance.now();
      await deliverStateBlobs(ctrl, blobs);
      restores.push(performance.now() - t);
    }
  } finally {
    await ctrl.close();
  }
  return { saveMs: median(saves), restoreMs: median(restores), sizes };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
