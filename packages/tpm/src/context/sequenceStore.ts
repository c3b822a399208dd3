import type { HashSequence } from '../objects/hashSequence.js';

/** Saved hash-sequence states kept; saving more drops the oldest (its contexts then fail to load). */
export const MAX_SAVED_SEQUENCES = 32;
export const SEQUENCE_REF_SIZE = 16;

/**
 * Hash states of context-saved hash/event sequences. node:crypto Hash objects can be copied but
 * not serialized, so the hash state stays in the TPM: the context blob (encrypted and
 * integrity-protected like any other) carries a reference to a copy kept here. Every
 * ContextLoad takes a fresh copy, so a context loads as often as the reference allows. The store is
 * bounded and emptied by TPM Reset (which invalidates those contexts anyway, the sequence being in
 * the null hierarchy).
 */
export class SequenceStore {
  private readonly saved = new Map<string, HashSequence>();
  /** References need not be secret (they travel encrypted and under the HMAC), only unique. */
  private next = 0n;

  keep(seq: HashSequence): Buffer {
    const ref = Buffer.alloc(SEQUENCE_REF_SIZE);
    ref.writeBigUInt64BE(++this.next, SEQUENCE_REF_SIZE - 8);
    this.saved.set(ref.toString('hex'), seq.clone());
    if (this.saved.size > MAX_SAVED_SEQUENCES) this.saved.delete(this.saved.keys().next().value!);
    return ref;
  }

  /**
   * The last reference handed out. State blobs carry it, so a restored TPM never reissues a
   * reference that a context from before the save still holds.
   */
  get lastRef(): bigint {
    return this.next;
  }
  set lastRef(v: bigint) {
    this.next = v;
  }

  /** A new copy of the state saved under `ref`, or undefined when it was dropped. */
  take(ref: Buffer): HashSequence | undefined {
    return this.saved.get(ref.toString('hex'))?.clone();
  }

  clear(): void {
    this.saved.clear();
  }
}
