/**
 * Little-endian codecs for firmware structures. TCG event logs are written by firmware in the CPU's
 * byte order (little-endian), unlike TPM commands, so they get their own small codec layer: each
 * structure is declared once as a codec value and both directions come from it.
 */

/** The log (or a structure inside it) is malformed; says what and where. */
export class EventLogFormatError extends Error {
  constructor(message: string, readonly offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'EventLogFormatError';
  }
}

export class LeReader {
  offset: number;
  constructor(readonly buf: Buffer, offset = 0, readonly end = buf.length) {
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
  u16(): number {
    return this.buf.readUInt16LE(this.take(2, 'UINT16'));
  }
  u32(): number {
    return this.buf.readUInt32LE(this.take(4, 'UINT32'));
  }
  u64(): bigint {
    return this.buf.readBigUInt64LE(this.take(8, 'UINT64'));
  }
  bytes(n: number, what = 'byte array'): Buffer {
    const at = this.take(n, what);
    return Buffer.from(this.buf.subarray(at, at + n));
  }
}

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

export interface LeCodec<T> {
  readonly name: string;
  read(r: LeReader): T;
  write(w: LeWriter, v: T): void;
}

export function encode<T>(codec: LeCodec<T>, v: T): Buffer {
  const w = new LeWriter();
  codec.write(w, v);
  return w.finish();
}

/** Decodes a whole buffer; trailing bytes mean the structure was not what the caller thought. */
export function decode<T>(codec: LeCodec<T>, buf: Buffer): T {
  const r = new LeReader(buf);
  const v = codec.read(r);
  if (r.remaining !== 0) throw new EventLogFormatError(`${r.remaining} trailing bytes after ${codec.name}`, r.offset);
  return v;
}

export const u8: LeCodec<number> = { name: 'UINT8', read: (r) => r.u8(), write: (w, v) => void w.u8(v) };
export const u16: LeCodec<number> = { name: 'UINT16', read: (r) => r.u16(), write: (w, v) => void w.u16(v) };
export const u32: LeCodec<number> = { name: 'UINT32', read: (r) => r.u32(), write: (w, v) => void w.u32(v) };
export const u64: LeCodec<bigint> = { name: 'UINT64', read: (r) => r.u64(), write: (w, v) => void w.u64(v) };

/** BYTE[size] with a size fixed by the structure. */
export function fixedBytes(name: string, size: number): LeCodec<Buffer> {
  return {
    name,
    read: (r) => r.bytes(size, name),
    write(w, v) {
      if (v.length !== size) throw new EventLogFormatError(`${name}: ${v.length} bytes, expected ${size}`);
      w.bytes(v);
    },
  };
}

/** A byte array preceded by its length as UINT8 or UINT32 (vendorInfo, event data). */
export function sizedBytes(name: string, size: LeCodec<number>): LeCodec<Buffer> {
  return {
    name,
    read: (r) => r.bytes(size.read(r), name),
    write(w, v) {
      size.write(w, v.length);
      w.bytes(v);
    },
  };
}

/** An array preceded by its UINT32 element count (digestSizes, digests). */
export function countedList<T>(name: string, item: LeCodec<T>, maxCount = 1024): LeCodec<T[]> {
  return {
    name,
    read(r) {
      const n = r.u32();
      if (n > maxCount) throw new EventLogFormatError(`${name}: count ${n} exceeds ${maxCount}`, r.offset - 4);
      return Array.from({ length: n }, () => item.read(r));
    },
    write(w, v) {
      w.u32(v.length);
      for (const x of v) item.write(w, x);
    },
  };
}

type StructValue<F extends Record<string, LeCodec<any>>> = { [K in keyof F]: F[K] extends LeCodec<infer T> ? T : never };

/** Fields marshalled in declaration order. */
export function struct<F extends Record<string, LeCodec<any>>>(name: string, fields: F): LeCodec<StructValue<F>> {
  const entries = Object.entries(fields);
  return {
    name,
    read(r) {
      const out: Record<string, unknown> = {};
      for (const [k, c] of entries) out[k] = c.read(r);
      return out as StructValue<F>;
    },
    write(w, v) {
      for (const [k, c] of entries) c.write(w, (v as Record<string, unknown>)[k]);
    },
  };
}
