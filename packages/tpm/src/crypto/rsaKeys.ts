import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { gcd, modInverse, toBigInt, toBytes, toMinimalBytes } from './bigints.js';
import type { ByteSource } from './kdfStream.js';
import { bigArithmetic, hasOddFactorBelow, type BigArithmetic } from './bigArithmetic.js';
import { isProbablePrime } from './millerRabin.js';
import type { RsaPrimeSearch } from './rsaPrimeSearch.js';
import { sievedPrimeFrom } from './sievedPrimes.js';

/** The TPM's default public exponent (Part 2: exponent 0 in TPMS_RSA_PARMS means 2^16 + 1). */
export const DEFAULT_RSA_EXPONENT = 65537;

export interface RsaKeyMaterial {
  /** Modulus, keyBits/8 octets. */
  n: Buffer;
  /** The prime kept in TPMT_SENSITIVE (Part 2, 11.2.4.7). */
  p: Buffer;
  e: number;
}

/** Method 1 divides each candidate by the odd primes below this before Miller-Rabin. */
const TRIAL_DIVISION_BOUND = 4096;

/** True when an odd c above TRIAL_DIVISION_BOUND has an odd prime factor below it (so c is composite). */
export function hasSmallFactor(c: bigint): boolean {
  return hasOddFactorBelow(c, TRIAL_DIVISION_BOUND);
}

/**
 * RSA prime search method 1: a prime of `bits` bits drawn from a deterministic source: candidates
 * with the two top bits set (so p*q has exactly 2*bits bits) and odd, passing Miller-Rabin
 * (isProbablePrime), and coprime with e. Trial division by small primes only skips composites
 * (Miller-Rabin would refuse them too, at ~0.2 ms each), so the candidates drawn and the prime
 * accepted are the same with or without it.
 */
function candidatePrimeFrom(source: ByteSource, bits: number, e: bigint, arithmetic: BigArithmetic): bigint {
  for (;;) {
    const c = source.bytes(bits / 8);
    c[0]! |= 0xc0;
    c[c.length - 1]! |= 1;
    const candidate = toBigInt(c);
    if (candidate > TRIAL_DIVISION_BOUND && hasSmallFactor(candidate)) continue;
    if (isProbablePrime(candidate, arithmetic) && gcd(e, candidate - 1n) === 1n) return candidate;
  }
}

/** FIPS 186-5 A.1.3: |p - q| > 2^(nlen/2 - 100), so the modulus cannot be factored from its square root. */
const closeTogether = (p: bigint, q: bigint, bits: number) => (p > q ? p - q : q - p) <= 1n << BigInt(bits - 100);

/**
 * RSA key material from a deterministic source (primary objects: same seed and template, same key),
 * with the TPM's prime search method (crypto/rsaPrimeSearch.ts): p, then q from where p's search
 * left the source (method 1 redraws q only when equal to p; method 2 also when closer than FIPS 186-5 allows).
 */
export function rsaKeyFromSource(source: ByteSource, keyBits: number, exponent: number, search: RsaPrimeSearch, arithmetic: BigArithmetic = bigArithmetic()): RsaKeyMaterial {
  const e = BigInt(exponent || DEFAULT_RSA_EXPONENT);
  const bits = keyBits / 2;
  const primeFrom = search === 1 ? candidatePrimeFrom : sievedPrimeFrom;
  const p = primeFrom(source, bits, e, arithmetic);
  let q: bigint;
  do q = primeFrom(source, bits, e, arithmetic);
  while (search === 1 ? q === p : closeTogether(p, q, bits));
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
