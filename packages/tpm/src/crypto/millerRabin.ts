import { checkPrimeSync, constants, createHash, createPublicKey, publicEncrypt } from 'node:crypto';
import { toBigInt, toBytes, toMinimalBytes } from './bigints.js';

/**
 * Miller-Rabin rounds for a random candidate of `bits` bits: at least the counts of FIPS 186-5
 * Table B.1 for an error probability of 2^-100 and below. OpenSSL's own test (checkPrimeSync)
 * always runs 64 rounds up to 2048 bits, which makes the accepted prime cost as much as fifty
 * rejected candidates.
 */
export function millerRabinRounds(bits: number): number {
  return bits <= 512 ? 8 : bits <= 1024 ? 6 : 5;
}

/** OpenSSL refuses an RSA "public exponent" above 64 bits for moduli above this size. */
const LARGEST_MODULUS_FOR_EXPONENTIATION = 3072;

/** base^exponent mod modulus on OpenSSL's constant-time Montgomery code: a raw RSA public operation with e = exponent. */
function modPowOpenSsl(base: bigint, exponent: bigint, modulus: bigint, length: number): bigint {
  const b64u = (v: bigint) => toMinimalBytes(v).toString('base64url');
  const key = createPublicKey({ key: { kty: 'RSA', n: b64u(modulus), e: b64u(exponent) }, format: 'jwk' });
  return toBigInt(publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, toBytes(base, length)));
}

/** Witness `round` for n, in [2, n-2]: a hash of n and the round, so the verdict is a function of n alone. */
function witness(n: bigint, length: number, round: number): bigint {
  const blocks: Buffer[] = [];
  const seed = toBytes(n, length);
  for (let i = 0; blocks.length * 32 < length + 8; i++) blocks.push(createHash('sha256').update(seed).update(Buffer.from([round, i])).digest());
  return (toBigInt(Buffer.concat(blocks)) % (n - 3n)) + 2n;
}

/**
 * Probable-prime test of an odd n > 3 (FIPS 186-5 B.3.1). Witnesses derive from n itself, so the
 * same candidate always gets the same answer (primary keys must be reproducible); a composite
 * passes with probability below 2^-100. Composites almost always fail the first round: one
 * modular exponentiation.
 */
export function isProbablePrime(n: bigint): boolean {
  const bits = n.toString(2).length;
  if (bits > LARGEST_MODULUS_FOR_EXPONENTIATION) return checkPrimeSync(n);
  const length = Math.ceil(bits / 8);
  const nMinus1 = n - 1n;
  let d = nMinus1;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  for (let round = 0; round < millerRabinRounds(bits); round++) {
    let x = modPowOpenSsl(witness(n, length, round), d, n, length);
    if (x === 1n || x === nMinus1) continue;
    let composite = true;
    for (let i = 1; i < s && composite; i++) {
      x = (x * x) % n;
      if (x === nMinus1) composite = false;
      else if (x === 1n) break;
    }
    if (composite) return false;
  }
  return true;
}
