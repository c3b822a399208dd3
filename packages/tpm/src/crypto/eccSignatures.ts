import { toBigInt, toBytes } from './bigints.js';
import { hash } from './hashAlgorithms.js';
import { eccPrivateScalar } from './eccKeys.js';
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

/**
 * ECDSA over a digest the caller computed (no hashing here; the digest is truncated to the order's
 * length as FIPS 186-4 says). The nonce is RFC 6979 hedged with TPM randomness.
 */
export function ecdsaSign(curve: EccCurve, d: Buffer, digest: Buffer, random: ByteSource): EccRS {
  const sig = curve.noble.sign(digest, toBytes(toBigInt(d), curve.size), { prehash: false, lowS: false, extraEntropy: random.bytes(32) });
  return { r: Buffer.from(sig.subarray(0, curve.size)), s: Buffer.from(sig.subarray(curve.size)) };
}

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
    const R = curve.noble.Point.BASE.multiply(k).toAffine();
    const r = schnorrChallenge(curve, hashAlg, R.x, digest);
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
