import * as crypto from 'node:crypto';
import type { LogHashAlgorithm } from './hashAlgorithms.js';
import { LogDigestAt } from './logDigestAt.js';
import { pcrReplayAddon } from './nativeReplay.js';
import type { LogDigest } from './structures.js';

/**
 * crypto.hash (Node >= 20.12) is one-shot, with no Hash object per call; its 'binary' (latin1)
 * string output is, surprisingly, the cheapest way back to bytes (3x faster than its Buffer output).
 */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/** PCR indices kept in an array (the usual 0..23 and some); any other index a log names goes to a Map. */
const DENSE_PCRS = 32;

/**
 * The PCRs of one bank while a log is replayed. PCR i < 32 lives in one scratch buffer at
 * [2·size·i, 2·size·(i+1)) laid out as [value || digest], so an extend (value = H(value || digest))
 * is one copy and one hash with no allocation. With the native addon (native/pcrReplay.c) extends
 * of those PCRs are queued and hashed in one call per bank (~0.1 µs each against ~0.3 µs through
 * crypto.hash: on rhel8-uefi.bin's 246 extends the difference is most of a replay). Other PCR
 * indices, which no real log uses, take the crypto.hash path in a Map.
 */
export class PcrBankReplay {
  private readonly slots: Buffer;
  private readonly dense: Buffer[];
  private readonly touched = new Uint8Array(DENSE_PCRS);
  private readonly sparse = new Map<number, Buffer>();
  private readonly size: number;
  private readonly name: string;
  private readonly addon = pcrReplayAddon();
  private queue: Buffer;
  private queued = 0;

  constructor(readonly algorithm: LogHashAlgorithm) {
    this.size = algorithm.digestSize;
    this.name = algorithm.name;
    // One ArrayBuffer for the bank, views per PCR: a separate Buffer.alloc per PCR cost 10% of a replay.
    this.slots = Buffer.alloc(DENSE_PCRS * 2 * this.size);
    this.dense = Array.from({ length: DENSE_PCRS }, (_, i) => this.slots.subarray(i * 2 * this.size, (i + 1) * 2 * this.size));
    this.queue = this.addon ? Buffer.allocUnsafe(64 * (1 + this.size)) : Buffer.alloc(0);
  }

  /** Whether the PCR has been started or extended. */
  has(pcr: number): boolean {
    return pcr < DENSE_PCRS ? this.touched[pcr] === 1 : this.sparse.has(pcr);
  }

  /** Sets the PCR's starting value (PCR 0 after a Startup at locality 3 or 4). */
  start(pcr: number, value: Buffer): void {
    this.flush();
    this.slot(pcr).set(value, 0);
  }

  extend(pcr: number, digest: LogDigest): void {
    if (this.addon && pcr < DENSE_PCRS) {
      this.touched[pcr] = 1;
      const entry = 1 + this.size;
      if ((this.queued + 1) * entry > this.queue.length) this.queue = Buffer.concat([this.queue, Buffer.allocUnsafe(this.queue.length)]);
      const at = this.queued++ * entry;
      this.queue[at] = pcr;
      if (digest instanceof LogDigestAt) digest.copyInto(this.queue, at + 1);
      else this.queue.set(digest.digest, at + 1);
      return;
    }
    const s = this.slot(pcr);
    if (digest instanceof LogDigestAt) digest.copyInto(s, this.size);
    else s.set(digest.digest, this.size);
    hashInPlace(this.name, s, this.size);
  }

  /** The PCRs this replay touched, by index, as fresh buffers. */
  values(): Map<number, Buffer> {
    this.flush();
    const touched: [number, Buffer][] = [];
    this.dense.forEach((s, pcr) => this.touched[pcr] && touched.push([pcr, s]));
    touched.push(...[...this.sparse].sort(([a], [b]) => a - b));
    return new Map(touched.map(([pcr, s]) => [pcr, Buffer.from(s.subarray(0, this.size))]));
  }

  /** Runs the queued extends: natively, or (OpenSSL without this hash) one by one here. */
  private flush(): void {
    if (!this.queued) return;
    const count = this.queued;
    this.queued = 0;
    if (this.addon!.extend(this.name, this.size, this.slots, this.queue, count)) return;
    const entry = 1 + this.size;
    for (let i = 0; i < count; i++) {
      const s = this.dense[this.queue[i * entry]!]!;
      this.queue.copy(s, this.size, i * entry + 1, (i + 1) * entry);
      hashInPlace(this.name, s, this.size);
    }
  }

  private slot(pcr: number): Buffer {
    if (pcr < DENSE_PCRS) {
      this.touched[pcr] = 1;
      return this.dense[pcr]!;
    }
    let s = this.sparse.get(pcr);
    if (!s) this.sparse.set(pcr, (s = Buffer.alloc(2 * this.size)));
    return s;
  }
}

/** s[0, size) = H(s[0, 2·size)). */
function hashInPlace(name: string, s: Buffer, size: number): void {
  if (oneShot) {
    // The digest's latin1 string back into the slot with charCodeAt: for 20..64 characters a JS
    // loop beats Buffer#latin1Write's native call (8 µs of a 246-extend replay).
    const h = oneShot(name, s, 'binary');
    for (let i = 0; i < size; i++) s[i] = h.charCodeAt(i);
  } else crypto.createHash(name).update(s).digest().copy(s, 0);
}
