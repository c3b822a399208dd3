import type { RecordType } from './recordTypes.js';
import { RecordRejectedError, type RecordCodec } from './recordCodec.js';

/** type u8 | seq u64 | round u32 | gpa u64: sent in clear, authenticated as AAD. */
export const RECORD_HEADER_BYTES = 1 + 8 + 4 + 8;

export interface StreamRecord {
  type: RecordType;
  seq: bigint;
  round: number;
  /** Guest physical address for pages; vCPU index for vCPU records; 0 otherwise. */
  gpa: number;
  body: Buffer;
}

export { RecordRejectedError };

/** Sender side of one direction: seq 1, 2, 3, ..., the body protected by the codec. One allocation per record. */
export class RecordSealer {
  private seq = 0n;

  constructor(private readonly codec: RecordCodec) {}

  seal(type: RecordType, round: number, gpa: number, body: Buffer): Buffer {
    const seq = ++this.seq;
    const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + body.length + this.codec.trailerBytes);
    out.writeUInt8(type, 0);
    out.writeBigUInt64BE(seq, 1);
    out.writeUInt32BE(round, 9);
    out.writeBigUInt64BE(BigInt(gpa), 13);
    this.codec.protect(seq, out.subarray(0, RECORD_HEADER_BYTES), body, out, RECORD_HEADER_BYTES);
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

  constructor(private readonly codec: RecordCodec) {}

  open(frame: Buffer): StreamRecord {
    if (frame.length < RECORD_HEADER_BYTES + this.codec.trailerBytes) throw new RecordRejectedError(`record of ${frame.length} octets is too short`);
    const h = frame.subarray(0, RECORD_HEADER_BYTES);
    const seq = h.readBigUInt64BE(1);
    if (seq !== this.lastSeq + 1n) throw new RecordRejectedError(`record seq ${seq} after ${this.lastSeq}: replayed, reordered or dropped record`);
    const trailerAt = frame.length - this.codec.trailerBytes;
    const body = this.codec.unprotect(seq, h, frame.subarray(RECORD_HEADER_BYTES, trailerAt), frame.subarray(trailerAt));
    this.lastSeq = seq;
    return { type: h.readUInt8(0) as RecordType, seq, round: h.readUInt32BE(9), gpa: Number(h.readBigUInt64BE(13)), body };
  }
}
