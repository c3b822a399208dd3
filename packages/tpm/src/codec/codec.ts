import { TPM_RC } from '../constants/rc.js';
import { TpmError, fail } from '../errors.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

/**
 * A codec is a TPM structure declared once: both directions come from the same value.
 * `read` throws a TpmError with the spec's response code (unnumbered; the pipeline adds the
 * parameter/handle/session number).
 */
export interface Codec<T> {
  readonly name: string;
  read(r: Reader): T;
  write(w: Writer, v: T): void;
  /** A TPM2B: a u16 size, then that many octets (what session parameter encryption can encrypt). */
  readonly isTpm2b?: true;
}

export type ValueOf<C> = C extends Codec<infer T> ? T : never;

/** Marshal a value to a fresh buffer. */
export function marshal<T>(codec: Codec<T>, v: T): Buffer {
  const w = new Writer();
  codec.write(w, v);
  return w.finish();
}

/** Unmarshal a whole buffer; trailing bytes are TPM_RC_SIZE. */
export function unmarshal<T>(codec: Codec<T>, buf: Buffer): T {
  const r = new Reader(buf);
  const v = codec.read(r);
  if (r.remaining !== 0) fail(TPM_RC.SIZE, `${r.remaining} trailing bytes after ${codec.name}`);
  return v;
}

// ---- integers --------------------------------------------------------------------------------

export const u8: Codec<number> = { name: 'UINT8', read: (r) => r.u8(), write: (w, v) => void w.u8(v) };
export const u16: Codec<number> = { name: 'UINT16', read: (r) => r.u16(), write: (w, v) => void w.u16(v) };
export const u32: Codec<number> = { name: 'UINT32', read: (r) => r.u32(), write: (w, v) => void w.u32(v) };
export const i32: Codec<number> = { name: 'INT32', read: (r) => r.i32(), write: (w, v) => void w.i32(v) };
export const u64: Codec<bigint> = { name: 'UINT64', read: (r) => r.u64(), write: (w, v) => void w.u64(v) };

/** TPMI_YES_NO: 0 or 1, anything else TPM_RC_VALUE. */
export const yesNo: Codec<boolean> = {
  name: 'TPMI_YES_NO',
  read(r) {
    const v = r.u8();
    if (v > 1) fail(TPM_RC.VALUE, 'TPMI_YES_NO must be 0 or 1');
    return v === 1;
  },
  write: (w, v) => void w.u8(v ? 1 : 0),
};

/**
 * An interface type (TPMI_*): an integer restricted to a set of values. A value outside it is
 * refused with `rc` (TPM_RC_VALUE, TPM_RC_HASH, TPM_RC_SYMMETRIC ...).
 */
export function restricted(name: string, base: Codec<number>, allowed: Iterable<number>, rc: number = TPM_RC.VALUE): Codec<number> {
  const set = new Set(allowed);
  return {
    name,
    read(r) {
      const v = base.read(r);
      if (!set.has(v)) fail(rc, `${name}: 0x${v.toString(16)} not allowed`);
      return v;
    },
    write: (w, v) => base.write(w, v),
  };
}

/** An attribute bit field (TPMA_*): reserved bits set are TPM_RC_RESERVED_BITS. */
export function bitfield(name: string, base: Codec<number>, reservedMask: number): Codec<number> {
  return {
    name,
    read(r) {
      const v = base.read(r);
      if ((v & reservedMask) !== 0) fail(TPM_RC.RESERVED_BITS, `${name}: reserved bits 0x${((v & reservedMask) >>> 0).toString(16)}`);
      return v;
    },
    write: (w, v) => base.write(w, v),
  };
}

// ---- sized buffers and structures ----------------------------------------------------------------

/** TPM2B byte buffer: u16 size then bytes; a size above `max` is TPM_RC_SIZE. */
export function tpm2b(name: string, max: number): Codec<Buffer> {
  return {
    name,
    isTpm2b: true,
    read(r) {
      const n = r.u16();
      if (n > max) fail(TPM_RC.SIZE, `${name}: size ${n} > ${max}`);
      return r.bytes(n);
    },
    write(w, v) {
      w.u16(v.length);
      w.bytes(v);
    },
  };
}

/** A byte array with a u8 count (TPMS_PCR_SELECT), bounded by [min, max]; outside is TPM_RC_VALUE. */
export function u8SizedBytes(name: string, min: number, max: number): Codec<Buffer> {
  return {
    name,
    read(r) {
      const n = r.u8();
      if (n < min || n > max) fail(TPM_RC.VALUE, `${name}: size ${n} outside ${min}..${max}`);
      return r.bytes(n);
    },
    write(w, v) {
      w.u8(v.length);
      w.bytes(v);
    },
  };
}

/** A fixed-size byte array (a digest inside TPMU_HA). */
export function fixedBytes(name: string, size: number): Codec<Buffer> {
  return {
    name,
    read: (r) => r.bytes(size),
    write(w, v) {
      if (v.length !== size) throw new TpmError(TPM_RC.SIZE, `${name}: ${v.length} bytes, expected ${size}`);
      w.bytes(v);
    },
  };
}

/** Bytes to the end of the enclosing buffer (used for opaque payloads). */
export const rest: Codec<Buffer> = {
  name: 'BYTES',
  read: (r) => r.bytes(r.remaining),
  write: (w, v) => void w.bytes(v),
};

/**
 * A sized structure (TPM2B_PUBLIC, TPM2B_ECC_POINT ...): u16 size, then the structure, which must
 * fill the size exactly (TPM_RC_SIZE otherwise). `allowEmpty` gives `null` for size 0 where the spec
 * permits it.
 */
export function sized<T>(name: string, inner: Codec<T>, opts: { allowEmpty: true }): Codec<T | null>;
export function sized<T>(name: string, inner: Codec<T>, opts?: { allowEmpty?: false }): Codec<T>;
export function sized<T>(name: string, inner: Codec<T>, opts: { allowEmpty?: boolean } = {}): Codec<T | null> {
  return {
    name,
    isTpm2b: true,
    read(r) {
      const n = r.u16();
      if (n === 0) {
        if (opts.allowEmpty) return null;
        fail(TPM_RC.SIZE, `${name}: empty`);
      }
      const sub = r.sub(n);
      const v = inner.read(sub);
      if (sub.remaining !== 0) fail(TPM_RC.SIZE, `${name}: size field ${n} does not match contents`);
      return v;
    },
    write(w, v) {
      const done = w.sizeU16();
      if (v !== null) inner.write(w, v);
      done();
    },
  };
}

/** TPML list: u32 count, then the items; a count above `max` is TPM_RC_SIZE. */
export function list<T>(name: string, item: Codec<T>, max: number): Codec<T[]> {
  return {
    name,
    read(r) {
      const n = r.u32();
      if (n > max) fail(TPM_RC.SIZE, `${name}: count ${n} > ${max}`);
      const out: T[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = item.read(r);
      return out;
    },
    write(w, v) {
      w.u32(v.length);
      for (const x of v) item.write(w, x);
    },
  };
}

// ---- structures and unions -------------------------------------------------------------------

/**
 * A TPMU union member selected by a sibling field that precedes it in the structure
 * (TPMT_HA.digest by hashAlg, TPMT_PUBLIC.parameters by type). `read` gets the selector value.
 */
export interface Selected<T> {
  readonly kind: 'selected';
  readonly selector: string;
  readonly union: Union<T>;
}

export interface Union<T> {
  readonly name: string;
  read(r: Reader, selector: number): T;
  write(w: Writer, v: T, selector: number): void;
}

/**
 * Declare a TPMU union: one codec per selector value. Selectors mapped to `null` are the empty
 * member (TPM_ALG_NULL). An unknown selector fails with `rc` (the selector's own code: the
 * interface type of the selector normally rejected it already).
 */
export function union<T>(name: string, members: ReadonlyMap<number, Codec<T> | null>, rc: number = TPM_RC.SELECTOR): Union<T> {
  return {
    name,
    read(r, selector) {
      const m = members.get(selector);
      if (m === undefined) fail(rc, `${name}: selector 0x${selector.toString(16)}`);
      return (m === null ? null : m.read(r)) as T;
    },
    write(w, v, selector) {
      const m = members.get(selector);
      if (m === undefined) fail(rc, `${name}: selector 0x${selector.toString(16)}`);
      if (m !== null) m.write(w, v);
    },
  };
}

export function selectedBy<T>(selector: string, u: Union<T>): Selected<T> {
  return { kind: 'selected', selector, union: u };
}

type FieldSpec = Codec<any> | Selected<any>;
type FieldValue<F> = F extends Codec<infer T> ? T : F extends Selected<infer U> ? U : never;
export type StructValue<F extends Record<string, FieldSpec>> = { [K in keyof F]: FieldValue<F[K]> };

/** A TPMS/TPMT structure: fields marshalled in declaration order. */
export function struct<F extends Record<string, FieldSpec>>(name: string, fields: F): Codec<StructValue<F>> & { fields: F } {
  const entries = Object.entries(fields);
  return {
    name,
    fields,
    read(r) {
      const out: Record<string, unknown> = {};
      for (const [key, spec] of entries) {
        out[key] = 'kind' in spec ? spec.union.read(r, out[spec.selector] as number) : spec.read(r);
      }
      return out as StructValue<F>;
    },
    write(w, v) {
      const obj = v as Record<string, unknown>;
      for (const [key, spec] of entries) {
        if ('kind' in spec) spec.union.write(w, obj[key], obj[spec.selector] as number);
        else spec.write(w, obj[key]);
      }
    },
  };
}

/** A codec whose parts are read one after another, each numbered as its own parameter by the pipeline. */
export type Params<F extends Record<string, FieldSpec>> = Codec<StructValue<F>> & { fields: F };
export const params = struct;

/** The empty parameter/response area. */
export const none = struct('NONE', {});
