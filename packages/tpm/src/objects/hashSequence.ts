import { createHash, type Hash } from 'node:crypto';
import { HASH_ALGORITHMS, hashAlgorithm } from '../crypto/hashAlgorithms.js';
import type { TransientObject } from './objectTable.js';
import type { TpmtHa } from '../structures/basic.js';

function handleName(handle: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(handle);
  return b;
}

/**
 * A hash sequence (HashSequenceStart with a hash) or an event sequence (with TPM_ALG_NULL: every
 * implemented hash at once). Sequence objects have no public area, so their Name is their handle.
 */
export class HashSequence implements TransientObject {
  readonly kind = 'hashSequence';
  private readonly states: { alg: number; h: Hash }[];
  /** First octets seen, to know whether the data began with TPM_GENERATED_VALUE (no ticket then). */
  private head = Buffer.alloc(0);

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

  name(handle: number): Buffer {
    return handleName(handle);
  }

  update(data: Buffer): void {
    if (this.head.length < 4) this.head = Buffer.concat([this.head, data.subarray(0, 4 - this.head.length)]);
    for (const s of this.states) s.h.update(data);
  }

  /** True when the hashed data starts with TPM_GENERATED_VALUE (the TPM then gives no hash-check ticket). */
  get startsWithGenerated(): boolean {
    return this.head.length === 4 && this.head.readUInt32BE(0) === 0xff544347;
  }

  finish(): TpmtHa[] {
    return this.states.map((s) => ({ hashAlg: s.alg, digest: s.h.digest() }));
  }
}
