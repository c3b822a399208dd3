/** Writes little-endian firmware structures; the counterpart of LeReader. */
export class LeWriter {
  private readonly parts: Buffer[] = [];

  u8(v: number): this {
    return this.bytes(Buffer.of(v & 0xff));
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v & 0xffff);
    return this.bytes(b);
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return this.bytes(b);
  }
  u64(v: bigint | number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    return this.bytes(b);
  }
  bytes(b: Uint8Array): this {
    this.parts.push(Buffer.from(b));
    return this;
  }
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}
