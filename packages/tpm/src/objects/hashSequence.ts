import { createHash, type Hash } from 'node:crypto';
import { HASH_ALGORITHMS, hashAlgorithm } from '../crypto/hashAlgorithms.js';
import type { TransientObject } from './objectTable.js';
import type { TpmtHa } from '../structures/basic.js';
import { TPM_GENERATED_VALUE } from '../constants/types.js';

/**
 * The reference's TicketIsSafe: data shorter than TPM_GENERATED_VALUE, or starting with it, could be
 * a forged attestation structure, so the TPM gives no ticket. For sequences only the first block counts.
 */
export function ticketIsSafe(data: Buffer): boolean {
  return data.length >= 4 && data.readUInt32BE(0) !== TPM_GENERATED_VALUE;
}

/**
 * A hash sequence (HashSequenceStart with a hash) or an event sequence (with TPM_ALG_NULL: every
 * implemented hash at once). Sequence objects have no public area and an empty Name.
 */
export class HashSequence implements TransientObject {
  readonly kind = 'hashSequence';
  private readonly states: { alg: number; h: Hash }[];
  /** Whether the first block allows a hash-check ticket (undefined until the first block arrives). */
  private firstBlockSafe: boolean | undefined;

  constructor(
    public authValue: Buffer,
    /** TPM_ALG_NULL for an event sequence. */
    readonly hashAlg: number,
  ) {
    const algs = hashAlg === 0x0010 ? HASH_ALGORITHMS.map((h) => h.alg) : [hashAlg];
    this.states = algs.map((alg) => ({ alg, h: createHash(hashAlgorithm(alg).nodeName) }));
  }

  get isEvent(): boolean {
    return this.hashAlg === 0x0010;
  }

  /** Sequence objects have nameAlg TPM_ALG_NULL and an empty Name (as in the reference's AllocateSequenceSlot). */
  name(): Buffer {
    return Buffer.alloc(0);
  }

  update(data: Buffer): void {
    this.firstBlockSafe ??= ticketIsSafe(data);
    for (const s of this.states) s.h.update(data);
  }

  /** The ticket may be issued: the first block was safe (see ticketIsSafe). */
  get ticketSafe(): boolean {
    return this.firstBlockSafe === true;
  }

  finish(): TpmtHa[] {
    return this.states.map((s) => ({ hashAlg: s.alg, digest: s.h.digest() }));
  }

  /** An independent copy with the same hash state (ContextSave keeps one, each ContextLoad gets another). */
  clone(): HashSequence {
    const c = new HashSequence(Buffer.from(this.authValue), this.hashAlg);
    c.states.splice(0, c.states.length, ...this.states.map((s) => ({ alg: s.alg, h: s.h.copy() })));
    c.firstBlockSafe = this.firstBlockSafe;
    return c;
  }
}
