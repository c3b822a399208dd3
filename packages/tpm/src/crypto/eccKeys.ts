import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { toBigInt, toBytes } from './bigints.js';
import type { ByteSource } from './kdfStream.js';
import type { EccCurve } from './eccCurves.js';
import type { EccPoint } from '../structures/public.js';

/**
 * A private scalar from random octets as FIPS 186-4 B.4.1 does it: take 64 extra bits,
 * d = (c mod (n - 1)) + 1, so d is uniform in [1, n-1].
 */
export function eccPrivateScalar(curve: EccCurve, source: ByteSource): Buffer {
  const c = toBigInt(source.bytes(curve.size + 8));
  return toBytes((c % (curve.order - 1n)) + 1n, curve.size);
}

export function eccPublicPoint(curve: EccCurve, d: Buffer): EccPoint {
  const p = curve.noble.Point.BASE.multiply(toBigInt(d)).toAffine();
  return { x: toBytes(p.x, curve.size), y: toBytes(p.y, curve.size) };
}

/** True when (x, y) is a point on the curve (not the identity). */
export function isOnCurve(curve: EccCurve, point: EccPoint): boolean {
  try {
    curve.noble.Point.fromAffine({ x: toBigInt(point.x), y: toBigInt(point.y) }).assertValidity();
    return point.x.length <= curve.size && point.y.length <= curve.size;
  } catch {
    return false;
  }
}

const b64u = (b: Buffer) => b.toString('base64url');
const pad = (curve: EccCurve, b: Buffer) => toBytes(toBigInt(b), curve.size);

export function eccPrivateKeyObject(curve: EccCurve, d: Buffer, point: EccPoint): KeyObject {
  return createPrivateKey({ key: { kty: 'EC', crv: curve.jwkName, d: b64u(pad(curve, d)), x: b64u(pad(curve, point.x)), y: b64u(pad(curve, point.y)) }, format: 'jwk' });
}

export function eccPublicKeyObject(curve: EccCurve, point: EccPoint): KeyObject {
  return createPublicKey({ key: { kty: 'EC', crv: curve.jwkName, x: b64u(pad(curve, point.x)), y: b64u(pad(curve, point.y)) }, format: 'jwk' });
}
