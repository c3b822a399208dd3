import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { modPow, toBigInt, toBytes, toMinimalBytes } from './bigints.js';
import { nativeAddon, type NativeAddon } from './nativeAddon.js';

export interface ModExpArgs {
  base: bigint;
  exponent: bigint;
  /** Odd, above base. */
  modulus: bigint;
}

/**
 * The big-number work of the RSA prime search. Two implementations compute the same values: the
 * native addon (native/bignum.c, OpenSSL's BIGNUM inside node) and JavaScript (BigInt, and OpenSSL's
 * exponentiation through a raw RSA public operation). The addon is only faster.
 */
export interface BigArithmetic {
  readonly name: 'native' | 'javascript';
  modExp(args: ModExpArgs): bigint;
  /** Two exponentiations; the addon runs two 1024-bit ones (AVX-512 IFMA) in about the time of one. */
  modExpPair(a: ModExpArgs, b: ModExpArgs): [bigint, bigint];
  /** marks[i] = 1 when start + 2i (start odd) has an odd prime factor below `bound` (at most 65536), else 0. */
  sieveOddWindow(start: bigint, window: number, bound: number): Uint8Array;
}

export const MAX_SIEVE_BOUND = 65536;

// ---- JavaScript ----

/** The odd primes below MAX_SIEVE_BOUND in groups whose products stay below 2^52 (exact as doubles). */
const SIEVE_GROUPS: readonly { product: bigint; primes: readonly number[] }[] = (() => {
  const composite = new Uint8Array(MAX_SIEVE_BOUND);
  const groups: { product: bigint; primes: number[] }[] = [];
  let primes: number[] = [];
  let product = 1;
  for (let p = 3; p < MAX_SIEVE_BOUND; p += 2) {
    if (composite[p]) continue;
    for (let m = p * p; m < MAX_SIEVE_BOUND; m += 2 * p) composite[m] = 1;
    if (product * p >= 2 ** 52) {
      groups.push({ product: BigInt(product), primes });
      primes = [];
      product = 1;
    }
    primes.push(p);
    product *= p;
  }
  groups.push({ product: BigInt(product), primes });
  return groups;
})();

/** True when c has an odd prime factor below `bound` (at most 65536): trial division of one number. */
export function hasOddFactorBelow(c: bigint, bound: number): boolean {
  for (const { product, primes } of SIEVE_GROUPS) {
    if (primes[0]! >= bound) break;
    const r = Number(c % product); // < 2^52: exact in a double
    for (const p of primes) if (p < bound && r % p === 0) return true;
  }
  return false;
}

function checkSieveArgs(start: bigint, bound: number): void {
  if ((start & 1n) === 0n) throw new RangeError('sieveOddWindow: start must be odd');
  if (bound > MAX_SIEVE_BOUND) throw new RangeError(`sieveOddWindow: bound above ${MAX_SIEVE_BOUND}`);
}

function sieveOddWindowJs(start: bigint, window: number, bound: number): Uint8Array {
  checkSieveArgs(start, bound);
  const marks = new Uint8Array(window);
  for (const { product, primes } of SIEVE_GROUPS) {
    if (primes[0]! >= bound) break;
    const r = Number(start % product);
    for (const p of primes) {
      if (p >= bound) break;
      // start + 2i = 0 (mod p)  <=>  i = (p - start mod p) * 2^-1 (mod p), and 2^-1 = (p + 1) / 2
      for (let i = (((p - (r % p)) % p) * ((p + 1) / 2)) % p; i < window; i += p) marks[i] = 1;
    }
  }
  return marks;
}

/** OpenSSL refuses an RSA "public exponent" above 64 bits for moduli above this size. */
const LARGEST_MODULUS_FOR_OPENSSL = 3072;

/**
 * base^exponent mod modulus on OpenSSL's Montgomery code: a raw RSA public operation with
 * e = exponent (OpenSSL takes no e >= n, nor above 64 bits for n above 3072 bits: BigInt then).
 */
function modExpJs({ base, exponent, modulus }: ModExpArgs): bigint {
  const bits = modulus.toString(2).length;
  if (bits > LARGEST_MODULUS_FOR_OPENSSL || exponent >= modulus) return modPow(base, exponent, modulus);
  const b64u = (v: bigint) => toMinimalBytes(v).toString('base64url');
  const key = createPublicKey({ key: { kty: 'RSA', n: b64u(modulus), e: b64u(exponent) }, format: 'jwk' });
  return toBigInt(publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, toBytes(base, Math.ceil(bits / 8))));
}

export const javascriptArithmetic: BigArithmetic = {
  name: 'javascript',
  modExp: modExpJs,
  modExpPair: (a, b) => [modExpJs(a), modExpJs(b)],
  sieveOddWindow: sieveOddWindowJs,
};

// ---- native ----

function operands({ base, exponent, modulus }: ModExpArgs): [Buffer, Buffer, Buffer, Buffer] {
  const m = toMinimalBytes(modulus);
  return [toMinimalBytes(base), toMinimalBytes(exponent), m, Buffer.alloc(m.length)];
}

function nativeFrom(addon: NativeAddon): BigArithmetic {
  return {
    name: 'native',
    modExp(args) {
      const [b, e, m, out] = operands(args);
      addon.modExp(b, e, m, out);
      return toBigInt(out);
    },
    modExpPair(x, y) {
      const [b1, e1, m1, out1] = operands(x);
      const [b2, e2, m2, out2] = operands(y);
      addon.modExpPair(b1, e1, m1, out1, b2, e2, m2, out2);
      return [toBigInt(out1), toBigInt(out2)];
    },
    sieveOddWindow(start, window, bound) {
      checkSieveArgs(start, bound);
      const marks = Buffer.alloc(window);
      addon.sieveOddWindow(toMinimalBytes(start), marks, bound);
      return marks;
    },
  };
}

let native: BigArithmetic | undefined;

/** The addon's arithmetic, or undefined when it was not built (no compiler or Node headers at install). */
export function nativeArithmetic(): BigArithmetic | undefined {
  const addon = nativeAddon();
  return addon && (native ??= nativeFrom(addon));
}

/** The fastest arithmetic available: the addon if built, else JavaScript. */
export function bigArithmetic(): BigArithmetic {
  return nativeArithmetic() ?? javascriptArithmetic;
}
