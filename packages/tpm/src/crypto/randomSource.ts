import { createHash, randomBytes, randomFillSync } from 'node:crypto';

/** OpenSSL's CSPRNG is asked for this many octets at a time (one call costs ~1 µs, whatever the size). */
const POOL_SIZE = 4096;

/**
 * The TPM's RNG. By default OpenSSL's CSPRNG; with a fixed seed (test mode) a SHA-256 counter-mode
 * generator, so runs are reproducible. StirRandom input is mixed into the seeded state.
 */
export class RandomSource {
  private state: Buffer | null;
  private counter = 0;
  /** Unseeded: fresh CSPRNG octets not yet handed out start at poolAt; handed-out ones are zeroed. */
  private pool = Buffer.alloc(0);
  private poolAt = 0;

  constructor(seed?: Uint8Array) {
    this.state = seed ? createHash('sha256').update('vtpm rng').update(seed).digest() : null;
  }

  bytes(n: number): Buffer {
    if (!this.state) return this.fromPool(n);
    const out: Buffer[] = [];
    for (let have = 0; have < n; have += 32) {
      const c = Buffer.alloc(4);
      c.writeUInt32BE(this.counter++ >>> 0);
      out.push(createHash('sha256').update(this.state).update(c).digest());
    }
    return Buffer.concat(out).subarray(0, n);
  }

  private fromPool(n: number): Buffer {
    if (n > POOL_SIZE / 4) return randomBytes(n);
    if (this.poolAt + n > this.pool.length) {
      this.pool = randomFillSync(Buffer.allocUnsafeSlow(POOL_SIZE));
      this.poolAt = 0;
    }
    const out = Buffer.allocUnsafe(n);
    this.pool.copy(out, 0, this.poolAt, this.poolAt + n);
    this.pool.fill(0, this.poolAt, this.poolAt + n);
    this.poolAt += n;
    return out;
  }

  /** The seeded generator's state for state blobs; null for OpenSSL's CSPRNG (nothing to carry). */
  exportState(): { state: Buffer; counter: number } | null {
    return this.state ? { state: Buffer.from(this.state), counter: this.counter } : null;
  }

  /** Continues a seeded generator exactly where `exportState` left it (null: OpenSSL's CSPRNG). */
  importState(s: { state: Buffer; counter: number } | null): void {
    this.state = s ? Buffer.from(s.state) : null;
    this.counter = s ? s.counter : 0;
    this.pool.fill(0);
    this.pool = Buffer.alloc(0);
    this.poolAt = 0;
  }

  /** Adds caller entropy (TPM2_StirRandom). */
  stir(data: Uint8Array): void {
    if (this.state) this.state = createHash('sha256').update(this.state).update(data).digest();
  }
}
