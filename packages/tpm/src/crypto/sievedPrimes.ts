import type { BigArithmetic } from './bigArithmetic.js';
import { gcd, toBigInt } from './bigints.js';
import type { ByteSource } from './kdfStream.js';
import { firstProbablePrime } from './millerRabin.js';

/** Odd candidates examined per draw: start, start + 2, ..., start + 2 * (SIEVE_WINDOW - 1). */
export const SIEVE_WINDOW = 4096;
/** Candidates with an odd prime factor below this are struck out before any exponentiation. */
export const SIEVE_BOUND = 65536;

/**
 * RSA prime search method 2 (docs/objects.md): a prime of `bits` bits from a deterministic source.
 * One draw of bits/8 octets, its two top bits and its low bit set, starts a window of SIEVE_WINDOW
 * odd numbers; those with a factor below SIEVE_BOUND are struck out (a sieve: one remainder per
 * small prime for the whole window, where method 1 divided every candidate), those >= 2^bits
 * dropped, and so are those with gcd(e, c - 1) != 1; the first of the rest, in order, that passes
 * Miller-Rabin (isProbablePrime) is the prime. A window without one (about e^-11 for 1024 bits)
 * is followed by a new draw. About 40 exponentiations per 1024-bit prime, against ~50 for method 1,
 * and they go two at a time.
 */
export function sievedPrimeFrom(source: ByteSource, bits: number, e: bigint, arithmetic: BigArithmetic): bigint {
  const limit = 1n << BigInt(bits);
  for (;;) {
    const draw = source.bytes(bits / 8);
    draw[0]! |= 0xc0;
    draw[draw.length - 1]! |= 1;
    const start = toBigInt(draw);
    const struck = arithmetic.sieveOddWindow(start, SIEVE_WINDOW, SIEVE_BOUND);
    const prime = firstProbablePrime(survivors(start, struck, limit, e), arithmetic);
    if (prime !== undefined) return prime;
  }
}

function* survivors(start: bigint, struck: Uint8Array, limit: bigint, e: bigint): Generator<bigint> {
  for (let i = 0; i < struck.length; i++) {
    if (struck[i]) continue;
    const c = start + BigInt(2 * i);
    if (c >= limit) return;
    if (gcd(e, c - 1n) === 1n) yield c;
  }
}
