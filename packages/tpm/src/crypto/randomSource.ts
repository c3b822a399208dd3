import { createHash, randomBytes } from 'node:crypto';

/**
 * The TPM's RNG. By default OpenSSL's CSPRNG; with a fixed seed (test mode) a SHA-256 counter-mode
 * generator, so runs are reproducible. StirRandom input is mixed into the seeded state.
 */
export class RandomSource {
  private state: Buffer | null;
  private counter = 0;

  constructor(seed?: Uint8Array) {
    this.state = seed ? createHash('sha256').update('vtpm rng').update(seed).digest() : null;
  }

  bytes(n: number): Buffer {
    if (!this.state) return randomBytes(n);
    const out: Buffer[] = [];
    for (let have = 0; have < n; have += 32) {
      const c = Buffer.alloc(4);
      c.writeUInt32BE(this.counter++ >>> 0);
      out.push(createHash('sha256').update(this.state).update(c).digest());
    }
    return Buffer.concat(out).subarray(0, n);
  }

  /** The seeded generator's state for state blobs; null for OpenSSL's CSPRNG (nothing to carry). */
  exportState(): { state: Buffer; counter: number } | null {
    return this.state ? { state: Buffer.from(this.state), counter: this.counter } : null;
  }

  /** Continues a seeded generator exactly where `exportState` left it (null: OpenSSL's CSPRNG). */
  importState(s: { state: Buffer; counter: number } | null): void {
    this.state = s ? Buffer.from(s.state) : null;
    this.counter = s ? s.counter : 0;
  }

  /** Adds caller entropy (TPM2_StirRandom). */
  stir(data: Uint8Array): void {
    if (this.state) this.state = createHash('sha256').update(this.state).update(data).digest();
  }
}
