/** Growable big-endian writer. `sizeU16()`/`sizeU32()` back-patch a length prefix (TPM2B, parameterSize). */
export class Writer {
  private buf: Buffer;
  offset = 0;

  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Reserves n bytes and returns their offset. Call it before touching `buf`: it may replace it. */
  private room(n: number): number {
    const at = this.offset;
    if (at + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, at + n));
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
    }
    this.offset = at + n;
    return at;
  }

  u8(v: number): this {
    const at = this.room(1);
    this.buf[at] = v;
    return this;
  }
  u16(v: number): this {
    const at = this.room(2);
    this.buf.writeUInt16BE(v & 0xffff, at);
    return this;
  }
  u32(v: number): this {
    const at = this.room(4);
    this.buf.writeUInt32BE(v >>> 0, at);
    return this;
  }
  i32(v: number): this {
    const at = this.room(4);
    this.buf.writeInt32BE(v | 0, at);
    return this;
  }
  u64(v: bigint): this {
    const at = this.room(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), at);
    return this;
  }
  bytes(b: Uint8Array): this {
    const at = this.room(b.length);
    this.buf.set(b, at);
    return this;
  }

  /** Writes a u16 placeholder; call the returned function after the body to fill in its length. */
  sizeU16(): () => void {
    const at = this.room(2);
    return () => this.buf.writeUInt16BE(this.offset - at - 2, at);
  }
  sizeU32(): () => void {
    const at = this.room(4);
    return () => this.buf.writeUInt32BE(this.offset - at - 4, at);
  }
  /** Overwrites a u32 at an earlier position (the response header's size). */
  patchU32(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at);
  }

  /** The bytes written so far, copied out. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.offset));
  }
  /** The bytes written so far without copying (valid until the next write). */
  view(from = 0): Buffer {
    return this.buf.subarray(from, this.offset);
  }
}
