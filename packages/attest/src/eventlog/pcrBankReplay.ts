import * as crypto from 'node:crypto';
import type { LogHashAlgorithm } from './hashAlgorithms.js';
import { LogDigestAt } from './logDigestAt.js';
import type { LogDigest } from './structures.js';

/**
 * crypto.hash (Node >= 20.12) is one-shot, with no Hash object per call; its 'binary' (latin1)
 * string output is, surprisingly, the cheapest way back to bytes (3x faster than its Buffer output).
 */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/** PCR indices kept in an array (the usual 0..23 and some); any other index a log names goes to a Map. */
const DENSE_PCRS = 32;

/**
 * The PCRs of one bank while a log is replayed. Each PCR lives in a scratch buffer laid out as
 * [value || digest], so an extend (value = H(value || digest)) is one copy and one hash with no
 * allocation besides the hash's own output. (Measured on rhel8-uefi.bin: its 246 hashes are about
 * half of a replay; the rest is kept to copies.)
 */
export class PcrBankReplay {
  private readonly dense: (Buffer | undefined)[] = new Array(DENSE_PCRS).fill(undefined);
  private readonly sparse = new Map<number, Buffer>();
  private readonly size: number;
  private readonly name: string;

  constructor(readonly algorithm: LogHashAlgorithm) {
    this.size = algorithm.digestSize;
    this.name = algorithm.name;
  }

  /** Whether the PCR has been started or extended. */
  has(pcr: number): boolean {
    return (pcr < DENSE_PCRS ? this.dense[pcr] : this.sparse.get(pcr)) !== undefined;
  }

  /** Sets the PCR's starting value (PCR 0 after a Startup at locality 3 or 4). */
  start(pcr: number, value: Buffer): void {
    this.slot(pcr).set(value, 0);
  }

  extend(pcr: number, digest: LogDigest): void {
    const s = (pcr < DENSE_PCRS && this.dense[pcr]) || this.slot(pcr);
    if (digest instanceof LogDigestAt) digest.copyInto(s, this.size);
    else s.set(digest.digest, this.size);
    if (oneShot) {
      // The digest's latin1 string back into the slot with charCodeAt: for 20..64 characters a JS
      // loop beats Buffer#latin1Write's native call (8 µs of a 246-extend replay).
      const h = oneShot(this.name, s, 'binary');
      for (let i = 0, n = this.size; i < n; i++) s[i] = h.charCodeAt(i);
    } else crypto.createHash(this.name).update(s).digest().copy(s, 0);
  }

  /** The PCRs this replay touched, by index, as fresh buffers. */
  values(): Map<number, Buffer> {
    const touched: [number, Buffer][] = [];
    this.dense.forEach((s, pcr) => s && touched.push([pcr, s]));
    touched.push(...[...this.sparse].sort(([a], [b]) => a - b));
    return new Map(touched.map(([pcr, s]) => [pcr, Buffer.from(s.subarray(0, this.size))]));
  }

  private slot(pcr: number): Buffer {
    let s = pcr < DENSE_PCRS ? this.dense[pcr] : this.sparse.get(pcr);
    if (!s) {
      // From Node's shared pool: a separate ArrayBuffer per PCR (Buffer.alloc) cost 10% of a replay.
      s = Buffer.allocUnsafe(2 * this.size).fill(0);
      if (pcr < DENSE_PCRS) this.dense[pcr] = s;
      else this.sparse.set(pcr, s);
    }
    return s;
  }
}
