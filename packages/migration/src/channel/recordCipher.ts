import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { RecordType } from './recordTypes.js';

/** type u8 | seq u64 | round u32 | gpa u64: sent in clear, authenticated as AAD. */
const HEADER_BYTES = 1 + 8 + 4 + 8;
const TAG_BYTES = 16;

export interface StreamRecord {
  type: RecordType;
  seq: bigint;
  round: number;
  /** Guest physical address for pages; vCPU index for vCPU records; 0 otherwise. */
  gpa: number;
  body: Buffer;
}

export class RecordRejectedError extends Error {
  override name = 'RecordRejectedError';
}

function header(type: number, seq: bigint, round: number, gpa: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.writeUInt8(type, 0);
  h.writeBigUInt64BE(seq, 1);
  h.writeUInt32BE(round, 9);
  h.writeBigUInt64BE(BigInt(gpa), 13);
  return h;
}

/** The nonce is the sequence number: unique per key because each direction has its own key and seq never repeats. */
function nonceOf(seq: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(seq, 4);
  return n;
}

/** Sender side of one direction: AES-256-GCM, AAD = the header, seq 1, 2, 3, ... */
export class RecordSealer {
  private seq = 0n;

  constructor(private readonly key: Buffer) {}

  seal(type: RecordType, round: number, gpa: number, body: Buffer): Buffer {
    const seq = ++this.seq;
    const h = header(type, seq, round, gpa);
    const c = createCipheriv('aes-256-gcm', this.key, nonceOf(seq)).setAAD(h);
    const out = Buffer.concat([h, c.update(body), c.final(), c.getAuthTag()]);
    return out;
  }
}

/**
 * Receiver side: the header must authenticate with the body (splicing a page to another gpa or
 * round fails), and seq must be exactly one more than the last accepted (a replayed, reordered or
 * dropped record fails).
 */
export class RecordOpener {
  private lastSeq = 0n;

  constructor(private readonly key: Buffer) {}

  open(frame: Buffer): StreamRecord {
    if (frame.length < HEADER_BYTES + TAG_BYTES) throw new RecordRejectedError(`record of ${frame.length} octets is too short`);
    const h = frame.subarray(0, HEADER_BYTES);
    const seq = h.readBigUInt64BE(1);
    if (seq !== this.lastSeq + 1n) throw new RecordRejectedError(`record seq ${seq} after ${this.lastSeq}: replayed, reordered or dropped record`);
    const d = createDecipheriv('aes-256-gcm', this.key, nonceOf(seq)).setAAD(h).setAuthTag(frame.subarray(frame.length - TAG_BYTES));
    let body: Buffer;
    try {
      body = Buffer.concat([d.update(frame.subarray(HEADER_BYTES, frame.length - TAG_BYTES)), d.final()]);
    } catch {
      throw new RecordRejectedError(`record seq ${seq} does not authenticate: modified in transit, or spliced from elsewhere`);
    }
    this.lastSeq = seq;
    return { type: h.readUInt8(0) as RecordType, seq, round: h.readUInt32BE(9), gpa: Number(h.readBigUInt64BE(13)), body };
  }
}
