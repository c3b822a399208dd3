import { kdfa } from './kdf.js';
import { digestSize } from './hashAlgorithms.js';

/**
 * A deterministic byte stream from KDFa (SP800-108 counter mode), used where the spec derives
 * key material from a seed: primary objects (label "Primary Object Creation", context = the
 * template's Name) get every random value they need from it, so the same template under the same
 * seed always yields the same object.
 */
export class KdfStream {
  private buffer = Buffer.alloc(0);
  private block = 0;

  constructor(
    private readonly hashAlg: number,
    private readonly seed: Buffer,
    private readonly label: string,
    private readonly context: Buffer,
  ) {}

  bytes(n: number): Buffer {
    while (this.buffer.length < n) {
      // Each refill is one KDFa output keyed by the seed, with the block number as contextV.
      const counter = Buffer.alloc(4);
      counter.writeUInt32BE(this.block++);
      const chunk = kdfa(this.hashAlg, this.seed, this.label, this.context, counter, 8 * 8 * digestSize(this.hashAlg));
      this.buffer = Buffer.concat([this.buffer, chunk]);
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return Buffer.from(out);
  }
}

/** Where an object's random values come from: the TPM's RNG, or a KdfStream for primaries. */
export interface ByteSource {
  bytes(n: number): Buffer;
}
