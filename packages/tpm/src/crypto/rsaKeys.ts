import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { gcd, modInverse, toBigInt, toBytes, toMinimalBytes } from './bigints.js';
import type { ByteSource } from './kdfStream.js';
import { isProbablePrime } from './millerRabin.js';

/** The TPM's default public exponent (Part 2: exponent 0 in TPMS_RSA_PARMS means 2^16 + 1). */
export const DEFAULT_RSA_EXPONENT = 65537;

export interface RsaKeyMaterial {
  /** Modulus, keyBits/8 octets. */
  n: Buffer;
  /** The prime kept in TPMT_SENSITIVE (Part 2, 11.2.4.7). */
  p: Buffer;
  e: number;
}

/** Trial division bound: odd primes below it are sieved out in JS before OpenSSL sees a candidate. */
const SIEVE_LIMIT = 4096;

/**
 * The odd primes below SIEVE_LIMIT in groups whose products stay below 2^52: one BigInt remainder
 * per group, then exact Number remainders for each prime of the group.
 */
const SIEVE_GROUPS: readonly { product: bigint; primes: readonly number[] }[] = (() => {
  const composite = new Uint8Array(SIEVE_LIMIT);
  const groups: { product: bigint; primes: number[] }[] = [];
  let primes: number[] = [];
  let product = 1;
  for (let p = 3; p < SIEVE_LIMIT; p += 2) {
    if (composite[p]) continue;
    for (let m = p * p; m < SIEVE_LIMIT; m += 2 * p) composite[m] = 1;
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

/** True when an odd c above SIEVE_LIMIT has an odd prime factor below it (so c is composite). */
export function hasSmallFactor(c: bigint): boolean {
  for (const { product, primes } of SIEVE_GROUPS) {
    const r = Number(c % product); // < 2^52: exact in a double
    for (const p of primes) if (r % p === 0) return true;
  }
  return false;
}

/**
 * A prime of `bits` bits drawn from a deterministic source: candidates with the two top bits set
 * (so p*q has exactly 2*bits bits) and odd, passing Miller-Rabin (isProbablePrime), and coprime with e.
 * Trial division by small primes only skips composites (Miller-Rabin would refuse them too, at
 * ~0.2 ms each), so the candidates drawn and the prime accepted are the same with or without it.
 */
function primeFrom(source: ByteSource, bits: number, e: bigint): bigint {
  for (;;) {
    const c = source.bytes(bits / 8);
    c[0]! |= 0xc0;
    c[c.length - 1]! |= 1;
    const candidate = toBigInt(c);
    if (candidate > SIEVE_LIMIT && hasSmallFactor(candidate)) continue;
    if (isProbablePrime(candidate) && gcd(e, candidate - 1n) === 1n) return candidate;
  }
}

/** RSA key material from a deterministic source (primary objects: same seed and template, same key). */
export function rsaKeyFromSource(source: ByteSource, keyBits: number, exponent: number): RsaKeyMaterial {
  const e = BigInt(exponent || DEFAULT_RSA_EXPONENT);
  const p = primeFrom(source, keyBits / 2, e);
  let q: bigint;
  do q = primeFrom(source, keyBits / 2, e);
  while (q === p);
  return { n: toBytes(p * q, keyBits / 8), p: toBytes(p, keyBits / 16), e: Number(e) };
}

/** RSA key material from OpenSSL's generator (ordinary objects: fast, not reproducible by design). */
export function rsaKeyRandom(keyBits: number, exponent: number): RsaKeyMaterial {
  const e = exponent || DEFAULT_RSA_EXPONENT;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: keyBits, publicExponent: e });
  const jwk = privateKey.export({ format: 'jwk' });
  return { n: toBytes(toBigInt(Buffer.from(jwk.n!, 'base64url')), keyBits / 8), p: toBytes(toBigInt(Buffer.from(jwk.p!, 'base64url')), keyBits / 16), e };
}

const b64u = (v: bigint) => toMinimalBytes(v).toString('base64url');

/** Rebuilds the full private key from n, e and p (what a TPM stores), for node:crypto operations. */
export function rsaPrivateKeyObject(n: Buffer, e: number, pBytes: Buffer): KeyObject {
  const N = toBigInt(n);
  const p = toBigInt(pBytes);
  if (p <= 1n || N % p !== 0n) throw new RangeError('prime does not divide the modulus');
  const q = N / p;
  const E = BigInt(e || DEFAULT_RSA_EXPONENT);
  const d = modInverse(E, (p - 1n) * (q - 1n));
  return createPrivateKey({
    key: { kty: 'RSA', n: b64u(N), e: b64u(E), d: b64u(d), p: b64u(p), q: b64u(q), dp: b64u(d % (p - 1n)), dq: b64u(d % (q - 1n)), qi: b64u(modInverse(q, p)) },
    format: 'jwk',
  });
}

export function rsaPublicKeyObject(n: Buffer, e: number): KeyObject {
  return createPublicKey({ key: { kty: 'RSA', n: b64u(toBigInt(n)), e: b64u(BigInt(e || DEFAULT_RSA_EXPONENT)) }, format: 'jwk' });
}
