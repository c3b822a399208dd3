/**
 * Little-endian codecs: each firmware structure is declared once as a codec value and both
 * directions (parse and write) come from it.
 */
import { EventLogFormatError } from './eventLogFormatError.js';
import { LeReader } from './leReader.js';
import { LeWriter } from './leWriter.js';

export interface LeCodec<T> {
  readonly name: string;
  read(r: LeReader): T;
  write(w: LeWriter, v: T): void;
}

export function encodeLe<T>(codec: LeCodec<T>, v: T): Buffer {
  const w = new LeWriter();
  codec.write(w, v);
  return w.finish();
}

/** Decodes a whole buffer; trailing bytes mean the structure was not what the caller thought. */
export function decodeLe<T>(codec: LeCodec<T>, buf: Buffer): T {
  const r = new LeReader(buf);
  const v = codec.read(r);
  if (r.remaining !== 0) throw new EventLogFormatError(`${r.remaining} trailing bytes after ${codec.name}`, r.offset);
  return v;
}

/** Decodes the start of a buffer and says how many bytes followed (firmware and shims do leave some). */
export function decodeLePrefix<T>(codec: LeCodec<T>, buf: Buffer): { value: T; trailingBytes: number } {
  const r = new LeReader(buf);
  const value = codec.read(r);
  return { value, trailingBytes: r.remaining };
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

/** An array preceded by its UINT32 element count, bounded so a forged count cannot allocate without limit. */
export function countedList<T>(name: string, item: LeCodec<T>, maxCount: number): LeCodec<T[]> {
  return {
    name,
    read(r) {
      const n = r.u32();
      if (n > maxCount) throw new EventLogFormatError(`${name}: count ${n} exceeds ${maxCount}`, r.offset - 4);
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(item.read(r));
      return out;
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
