import { createHmac, randomBytes } from 'node:crypto';
import { modInverse, toBigInt, toBytes } from './bigints.js';
import { hash } from './hashAlgorithms.js';
import { eccPrivateScalar, eccPublicPoint } from './eccKeys.js';
import type { EccCurve } from './eccCurves.js';
import type { ByteSource } from './kdfStream.js';
import type { EccPoint } from '../structures/public.js';

/** An ECC signature's (r, s), each as long as the curve order (as the TPM writes them). */
export interface EccRS {
  r: Buffer;
  s: Buffer;
}

const pointOf = (curve: EccCurve, q: EccPoint) => curve.noble.Point.fromAffine({ x: toBigInt(q.x), y: toBigInt(q.y) });
const inRange = (curve: EccCurve, v: bigint) => v > 0n && v < curve.order;

/** The leftmost `bits` bits of `octets` as a number (SEC 1 4.1.3 step 5, RFC 6979 bits2int). */
function bits2int(octets: Uint8Array, bits: number): bigint {
  const v = toBigInt(octets);
  const excess = octets.length * 8 - bits;
  return excess > 0 ? v >> BigInt(excess) : v;
}

/**
 * ECDSA over a digest the caller computed (no hashing here; the digest is truncated to the order's
 * length as FIPS 186-4 says). The nonce is RFC 6979 hedged with TPM randomness (section 3.6: the
 * HMAC-DRBG is seeded with d, the digest and 32 octets of the TPM's RNG), exactly as @noble/curves
 * derives it, so signatures are the ones noble's sign gave (a seeded TPM signs as before).
 * R = [k]G comes from OpenSSL; s = k^-1·(e + r·d) mod n is computed as (b·k)^-1·(b·e + b·d·r) with
 * a random blinding factor b, so the variable-time inversion never sees k.
 */
export function ecdsaSign(curve: EccCurve, d: Buffer, digest: Buffer, random: ByteSource): EccRS {
  const n = curve.order;
  const x = toBigInt(d);
  if (x <= 0n || x >= n) throw new RangeError('invalid private key');
  const e = bits2int(digest, curve.orderBits) % n;
  const seed = Buffer.concat([toBytes(x, curve.size), toBytes(e, curve.size), random.bytes(32)]);
  // HMAC-DRBG (RFC 6979 3.2 b-h), keyed by K over V || parts
  let V = Buffer.alloc(digestLength(curve), 1);
  let K = Buffer.alloc(V.length, 0);
  const h = (...parts: Uint8Array[]) => {
    const m = createHmac(curve.nonceHash, K).update(V);
    for (const p of parts) m.update(p);
    return m.digest();
  };
  K = h(ZERO, seed);
  V = h();
  K = h(ONE, seed);
  V = h();
  for (let attempt = 0; attempt < 1000; attempt++) {
    const T: Buffer[] = [];
    for (let have = 0; have < curve.size; have += V.length) T.push((V = h()));
    const k = bits2int(Buffer.concat(T), curve.orderBits);
    if (k > 0n && k < n) {
      const r = toBigInt(eccPublicPoint(curve, k).x) % n;
      if (r !== 0n) {
        const b = (toBigInt(randomBytes(curve.size + 8)) % (n - 1n)) + 1n;
        const s = (modInverse((b * k) % n, n) * ((b * e + ((b * x) % n) * r) % n)) % n;
        if (s !== 0n) return { r: toBytes(r, curve.size), s: toBytes(s, curve.size) };
      }
    }
    K = h(ZERO);
    V = h();
  }
  throw new Error('ECDSA: no nonce found');
}

const ZERO = Uint8Array.of(0);
const ONE = Uint8Array.of(1);
const digestLength = (curve: EccCurve) => ({ sha256: 32, sha384: 48, sha512: 64 })[curve.nonceHash as 'sha256' | 'sha384' | 'sha512'];

export function ecdsaVerify(curve: EccCurve, q: EccPoint, digest: Buffer, { r, s }: EccRS): boolean {
  const R = toBigInt(r);
  const S = toBigInt(s);
  if (!inRange(curve, R) || !inRange(curve, S)) return false;
  try {
    const sig = Buffer.concat([toBytes(R, curve.size), toBytes(S, curve.size)]);
    return curve.noble.verify(sig, digest, pointOf(curve, q).toBytes(false), { prehash: false, lowS: false });
  } catch {
    return false;
  }
}

/**
 * The TPM's EC-Schnorr challenge (the reference's BnSignEcSchnorr and SchnorrReduce): H(x || digest) keeping
 * only as many leading octets as the order has.
 */
function schnorrChallenge(curve: EccCurve, hashAlg: number, x: bigint, digest: Buffer): bigint {
  return toBigInt(hash(hashAlg, toBytes(x, curve.size), digest).subarray(0, curve.size));
}

/**
 * EC-Schnorr as TPMs sign (the reference's BnSignEcSchnorr): R = [k]G, r = H(R.x || digest)
 * (truncated, not reduced), s = k + r·d mod n.
 */
export function schnorrSign(curve: EccCurve, hashAlg: number, d: Buffer, digest: Buffer, random: ByteSource): EccRS {
  const n = curve.order;
  for (;;) {
    const k = toBigInt(eccPrivateScalar(curve, random));
    const r = schnorrChallenge(curve, hashAlg, toBigInt(eccPublicPoint(curve, k).x), digest);
    if (r % n === 0n) continue;
    const s = (k + (r % n) * toBigInt(d)) % n;
    if (s !== 0n) return { r: toBytes(r, curve.size), s: toBytes(s, curve.size) };
  }
}

/** EC-Schnorr verification: E = [s]G − [r]Q, valid when H(E.x || digest) = r. */
export function schnorrVerify(curve: EccCurve, hashAlg: number, q: EccPoint, digest: Buffer, { r, s }: EccRS): boolean {
  const R = toBigInt(r);
  const S = toBigInt(s);
  if (!inRange(curve, R) || !inRange(curve, S)) return false;
  try {
    const G = curve.noble.Point.BASE;
    const E = G.multiply(S).add(pointOf(curve, q).multiply(curve.order - R));
    if (E.is0()) return false;
    return schnorrChallenge(curve, hashAlg, E.toAffine().x, digest) === R;
  } catch {
    return false;
  }
}
