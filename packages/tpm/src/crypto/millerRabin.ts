import { checkPrimeSync, createHash } from 'node:crypto';
import { bigArithmetic, type BigArithmetic, type ModExpArgs } from './bigArithmetic.js';
import { toBigInt, toBytes } from './bigints.js';

/**
 * Miller-Rabin rounds for a random candidate of `bits` bits: at least the counts of FIPS 186-5
 * Table B.1 for an error probability of 2^-100 and below. OpenSSL's own test (checkPrimeSync)
 * always runs 64 rounds up to 2048 bits, which makes the accepted prime cost as much as fifty
 * rejected candidates.
 */
export function millerRabinRounds(bits: number): number {
  return bits <= 512 ? 8 : bits <= 1024 ? 6 : 5;
}

/** Moduli above this many bits go to OpenSSL's own test (checkPrimeSync) instead. */
const LARGEST_TESTED_HERE = 3072;

/** An odd n > 3 prepared for Miller-Rabin: n - 1 = d * 2^s with d odd. */
interface Candidate {
  n: bigint;
  nMinus1: bigint;
  d: bigint;
  s: number;
  length: number;
}

function prepare(n: bigint): Candidate {
  const nMinus1 = n - 1n;
  let d = nMinus1;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  return { n, nMinus1, d, s, length: Math.ceil(n.toString(2).length / 8) };
}

/** Witness `round` for n, in [2, n-2]: a hash of n and the round, so the verdict is a function of n alone. */
function witness(c: Candidate, round: number): bigint {
  const blocks: Buffer[] = [];
  const seed = toBytes(c.n, c.length);
  for (let i = 0; blocks.length * 32 < c.length + 8; i++) blocks.push(createHash('sha256').update(seed).update(Buffer.from([round, i])).digest());
  return (toBigInt(Buffer.concat(blocks)) % (c.n - 3n)) + 2n;
}

const roundExponentiation = (c: Candidate, round: number): ModExpArgs => ({ base: witness(c, round), exponent: c.d, modulus: c.n });

/** The rest of a round once x = witness^d mod n is known: true when n passes it. */
function passes(c: Candidate, x: bigint): boolean {
  if (x === 1n || x === c.nMinus1) return true;
  for (let i = 1; i < c.s; i++) {
    x = (x * x) % c.n;
    if (x === c.nMinus1) return true;
    if (x === 1n) return false;
  }
  return false;
}

/** Rounds `from`, from+1, ... of n's test, two exponentiations per call: true when n passes them all. */
function passesRoundsFrom(c: Candidate, from: number, rounds: number, arithmetic: BigArithmetic): boolean {
  for (let round = from; round < rounds; round += 2) {
    if (round + 1 < rounds) {
      const [x, y] = arithmetic.modExpPair(roundExponentiation(c, round), roundExponentiation(c, round + 1));
      if (!passes(c, x) || !passes(c, y)) return false;
    } else if (!passes(c, arithmetic.modExp(roundExponentiation(c, round)))) return false;
  }
  return true;
}

const bitLength = (n: bigint) => n.toString(2).length;

/**
 * Probable-prime test of an odd n > 3 (FIPS 186-5 B.3.1). Witnesses derive from n itself, so the
 * same candidate always gets the same answer (primary keys must be reproducible); a composite
 * passes with probability below 2^-100. Composites almost always fail the first round: one
 * modular exponentiation.
 */
export function isProbablePrime(n: bigint, arithmetic: BigArithmetic = bigArithmetic()): boolean {
  const bits = bitLength(n);
  if (bits > LARGEST_TESTED_HERE) return checkPrimeSync(n);
  const c = prepare(n);
  return passes(c, arithmetic.modExp(roundExponentiation(c, 0))) && passesRoundsFrom(c, 1, millerRabinRounds(bits), arithmetic);
}

/**
 * The first of `candidates` (odd, > 3, at most 3072 bits, in order) that isProbablePrime accepts,
 * or undefined: the same answer as testing them one by one, but first rounds go two candidates
 * per exponentiation call (most candidates fail there), and the accepted one's rounds two by two.
 */
export function firstProbablePrime(candidates: Iterable<bigint>, arithmetic: BigArithmetic = bigArithmetic()): bigint | undefined {
  const it = candidates[Symbol.iterator]();
  let ahead: { c: Candidate; passedFirst: boolean } | undefined;
  for (;;) {
    let current: { c: Candidate; passedFirst: boolean };
    if (ahead) {
      current = ahead;
      ahead = undefined;
    } else {
      const a = it.next();
      if (a.done) return undefined;
      const ca = prepare(a.value);
      const b = it.next();
      if (b.done) {
        current = { c: ca, passedFirst: passes(ca, arithmetic.modExp(roundExponentiation(ca, 0))) };
      } else {
        const cb = prepare(b.value);
        const [x, y] = arithmetic.modExpPair(roundExponentiation(ca, 0), roundExponentiation(cb, 0));
        current = { c: ca, passedFirst: passes(ca, x) };
        ahead = { c: cb, passedFirst: passes(cb, y) };
      }
    }
    const { c, passedFirst } = current;
    if (passedFirst && passesRoundsFrom(c, 1, millerRabinRounds(bitLength(c.n)), arithmetic)) return c.n;
  }
}
