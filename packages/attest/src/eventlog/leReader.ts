import { EventLogFormatError } from './eventLogFormatError.js';

/**
 * Reads little-endian firmware structures (TCG event logs are written in the CPU's byte order,
 * unlike TPM commands). Every read is bounds-checked against `end` and fails with the offset.
 */
export class LeReader {
  offset: number;
  constructor(
    readonly buf: Buffer,
    offset = 0,
    readonly end = buf.length,
  ) {
    // u16/u32 index buf directly once take() checked against `end`, so `end` must lie within buf.
    if (end > buf.length) throw new RangeError(`end ${end} is past the buffer's ${buf.length} bytes`);
    this.offset = offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private take(n: number, what: string): number {
    const at = this.offset;
    if (n > this.end - at) throw new EventLogFormatError(`truncated: ${what} needs ${n} bytes, ${this.end - at} left`, at);
    this.offset = at + n;
    return at;
  }

  u8(): number {
    return this.buf[this.take(1, 'UINT8')]!;
  }
  // Plain indexing (take() did the bounds check): Buffer#readUInt32LE's own argument validation
  // was a third of parseEventLog.
  u16(): number {
    const at = this.take(2, 'UINT16');
    const b = this.buf;
    return b[at]! | (b[at + 1]! << 8);
  }
  u32(): number {
    const at = this.take(4, 'UINT32');
    const b = this.buf;
    return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
  }
  u64(): bigint {
    return this.buf.readBigUInt64LE(this.take(8, 'UINT64'));
  }

  /** A UINT64 length or count (of `unitSize`-byte items) that must fit in what is left, so it is a safe number. */
  u64Length(what: string, unitSize = 1): number {
    const at = this.offset;
    return this.fits(this.u64(), at, what, unitSize);
  }

  /** A UINT32 length or count that must fit in what is left. */
  u32Length(what: string, unitSize = 1): number {
    const at = this.offset;
    return this.fits(BigInt(this.u32()), at, what, unitSize);
  }

  private fits(n: bigint, at: number, what: string, unitSize: number): number {
    if (n * BigInt(unitSize) > BigInt(this.remaining)) throw new EventLogFormatError(`${what} of ${n} exceeds the ${this.remaining} bytes left`, at);
    return Number(n);
  }

  /** A copy of the next `n` bytes. */
  bytes(n: number, what = 'byte array'): Buffer {
    const at = this.take(n, what);
    return Buffer.from(this.buf.subarray(at, at + n));
  }

  /** Steps over `n` bytes (that the caller refers to by offset). */
  skip(n: number, what = 'byte array'): void {
    this.take(n, what);
  }

  /** The next `n` bytes without copying: a view into the input, for the parser's hot path. */
  view(n: number, what = 'byte array'): Buffer {
    const at = this.take(n, what);
    return this.buf.subarray(at, at + n);
  }
}
