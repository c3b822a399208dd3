import * as crypto from 'node:crypto';
import type { LogHashAlgorithm } from './hashAlgorithms.js';
import { copyDigest } from './logDigestAt.js';
import type { LogDigest } from './structures.js';

/**
 * crypto.hash (Node >= 20.12) is one-shot, with no Hash object per call; its 'binary' (latin1)
 * string output is, surprisingly, the cheapest way back to bytes (3x faster than its Buffer output).
 */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/**
 * The PCRs of one bank while a log is replayed. Each PCR lives in a scratch buffer laid out as
 * [value || digest], so an extend (value = H(value || digest)) is one copy and one hash with no
 * allocation besides the hash's own output. (Measured on rhel8-uefi.bin: the 246 hashes of its
 * three banks are about half of a replay; what is left is kept to copies.)
 */
export class PcrBankReplay {
  private readonly scratch = new Map<number, Buffer>();
  private readonly size: number;
  private readonly name: string;

  constructor(readonly algorithm: LogHashAlgorithm) {
    this.size = algorithm.digestSize;
    this.name = algorithm.name;
  }

  /** Whether the PCR has been started or extended. */
  has(pcr: number): boolean {
    return this.scratch.has(pcr);
  }

  /** Sets the PCR's starting value (PCR 0 after a Startup at locality 3 or 4). */
  start(pcr: number, value: Buffer): void {
    this.slot(pcr).set(value, 0);
  }

  extend(pcr: number, digest: LogDigest): void {
    const s = this.slot(pcr);
    copyDigest(digest, s, this.size);
    if (oneShot) s.write(oneShot(this.name, s, 'binary'), 0, this.size, 'latin1');
    else crypto.createHash(this.name).update(s).digest().copy(s, 0);
  }

  /** The PCRs this replay touched, by index, as fresh buffers. */
  values(): Map<number, Buffer> {
    const out = new Map<number, Buffer>();
    for (const pcr of [...this.scratch.keys()].sort((a, b) => a - b)) out.set(pcr, Buffer.from(this.scratch.get(pcr)!.subarray(0, this.size)));
    return out;
  }

  private slot(pcr: number): Buffer {
    let s = this.scratch.get(pcr);
    // From Node's shared pool: a separate ArrayBuffer per PCR (Buffer.alloc) cost 10% of a replay.
    if (!s) this.scratch.set(pcr, (s = Buffer.allocUnsafe(2 * this.size).fill(0)));
    return s;
  }
}
