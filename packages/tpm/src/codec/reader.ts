import { TPM_RC } from '../constants/rc.js';
import { TpmError } from '../errors.js';

/** Bounds-checked big-endian reader: running past the end is TPM_RC_INSUFFICIENT, never an exception of another kind. */
export class Reader {
  offset: number;
  readonly end: number;

  constructor(readonly buf: Buffer, offset = 0, end = buf.length) {
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number): number {
    const at = this.offset;
    if (at + n > this.end) throw new TpmError(TPM_RC.INSUFFICIENT);
    this.offset = at + n;
    return at;
  }

  u8(): number {
    return this.buf[this.need(1)]!;
  }
  u16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  u32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  i32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  u64(): bigint {
    return this.buf.readBigUInt64BE(this.need(8));
  }
  /** A copy of the next n bytes (handlers may keep it after the command buffer is gone). */
  bytes(n: number): Buffer {
    const at = this.need(n);
    return Buffer.from(this.buf.subarray(at, at + n));
  }
  /** A reader over the next n bytes, advancing this one past them. */
  sub(n: number): Reader {
    const at = this.need(n);
    return new Reader(this.buf, at, at + n);
  }
}
