import { fixedBytes, tpm2b, u16, list, type Codec } from '../../codec/codec.js';
import { TPM_RC } from '../../constants/rc.js';
import { HASH_ALGORITHMS } from '../../crypto/hashAlgorithms.js';
import { fail } from '../../errors.js';

/** Codec building blocks the state blobs need beyond the TPM structures. */

/** A value or nothing: u8 0, or u8 1 then the value. */
export function optional<T>(name: string, inner: Codec<T>): Codec<T | null> {
  return {
    name,
    read(r) {
      const present = r.u8();
      if (present > 1) fail(TPM_RC.VALUE, `${name}: presence flag ${present}`);
      return present ? inner.read(r) : null;
    },
    write(w, v) {
      w.u8(v === null ? 0 : 1);
      if (v !== null) inner.write(w, v);
    },
  };
}

/** A codec over another one's values, converted both ways (read must validate what it converts). */
export function converted<A, B>(name: string, base: Codec<A>, fromBase: (a: A) => B, toBase: (b: B) => A): Codec<B> {
  return { name, read: (r) => fromBase(base.read(r)), write: (w, v) => base.write(w, toBase(v)) };
}

/** A UTF-8 string of at most `max` octets (u16 size). */
export const utf8 = (name: string, max: number): Codec<string> =>
  converted(name, tpm2b(name, max), (b) => b.toString('utf8'), (s) => Buffer.from(s, 'utf8'));

/** A strictly ascending list of unsigned integers (deterministic and free of duplicates). */
export function ascending<T extends number | bigint>(name: string, item: Codec<T>, max: number): Codec<T[]> {
  return converted(name, list(name, item, max), (v) => {
    for (let i = 1; i < v.length; i++) if (v[i]! <= v[i - 1]!) fail(TPM_RC.VALUE, `${name}: not strictly ascending`);
    return v;
  }, (v) => v);
}

/** A list whose items carry a key that must be strictly ascending (handles, slots). */
export function ascendingBy<T>(name: string, item: Codec<T>, max: number, key: (v: T) => number): Codec<T[]> {
  return converted(name, list(name, item, max), (v) => {
    for (let i = 1; i < v.length; i++) if (key(v[i]!) <= key(v[i - 1]!)) fail(TPM_RC.VALUE, `${name}: keys not strictly ascending`);
    return v;
  }, (v) => v);
}

/** Seeds and proofs: 64 octets (Hierarchies' SEED_SIZE). */
export const SEED = fixedBytes('seed', 64);

/** An implemented hash algorithm (the PCR banks' and policies' algorithms). */
export const HASH_ALG = converted('hashAlg', u16, (alg) => {
  if (!HASH_ALGORITHMS.some((h) => h.alg === alg)) fail(TPM_RC.HASH, `hashAlg 0x${alg.toString(16)} not implemented`);
  return alg;
}, (alg) => alg);
