import { createCipheriv, createDecipheriv } from 'node:crypto';

export class RecordRejectedError extends Error {
  override name = 'RecordRejectedError';
}

/**
 * How a record's body is protected once its header (type, seq, round, gpa) is written. The
 * header and its sequence checks are the same for every codec; only the body differs.
 */
export interface RecordCodec {
  readonly encrypted: boolean;
  /** Octets the codec appends after the body (the GCM tag). */
  readonly trailerBytes: number;
  /** Writes the protected body and trailer into `out` from `offset` (the header is `out` before it). */
  protect(seq: bigint, header: Buffer, body: Buffer, out: Buffer, offset: number): void;
  /** The body of a received record; throws RecordRejectedError if it does not authenticate. */
  unprotect(seq: bigint, header: Buffer, protectedBody: Buffer, trailer: Buffer): Buffer;
}

/** The nonce is the sequence number: unique per key because each direction has its own key and seq never repeats. */
export function nonceOf(seq: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(seq, 4);
  return n;
}

/** AES-256-GCM with the header as associated data: a body moved to another seq, round or gpa fails. */
export class GcmRecordCodec implements RecordCodec {
  readonly encrypted = true;
  readonly trailerBytes = 16;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error(`AES-256-GCM needs a 32-octet key, got ${key.length}`);
  }

  protect(seq: bigint, header: Buffer, body: Buffer, out: Buffer, offset: number): void {
    const c = createCipheriv('aes-256-gcm', this.key, nonceOf(seq)).setAAD(header);
    const n = c.update(body).copy(out, offset);
    c.final();
    c.getAuthTag().copy(out, offset + n);
  }

  unprotect(seq: bigint, header: Buffer, protectedBody: Buffer, trailer: Buffer): Buffer {
    const d = createDecipheriv('aes-256-gcm', this.key, nonceOf(seq)).setAAD(header).setAuthTag(trailer);
    try {
      const body = d.update(protectedBody);
      d.final();
      return body;
    } catch {
      throw new RecordRejectedError(`record seq ${seq} does not authenticate: modified in transit, or spliced from elsewhere`);
    }
  }
}

/**
 * The benchmark baseline: the body in clear, no AEAD, the same header and sequence checks. Only a
 * destination configured with allowUnencryptedStream accepts it, and no VM key travels over it.
 */
export class PlaintextRecordCodec implements RecordCodec {
  readonly encrypted = false;
  readonly trailerBytes = 0;

  protect(_seq: bigint, _header: Buffer, body: Buffer, out: Buffer, offset: number): void {
    body.copy(out, offset);
  }

  unprotect(_seq: bigint, _header: Buffer, protectedBody: Buffer): Buffer {
    return protectedBody;
  }
}
