import { toBigInt, toBytes } from './bigints.js';
import type { EccCurve } from './eccCurves.js';
import type { EccPoint } from '../structures/public.js';

/**
 * True when the point, read as numbers, is on the curve and not the identity. Leading zero octets
 * do not matter (the reference converts with BnFrom2B), coordinates must still be below p.
 */
export function pointOnCurve(curve: EccCurve, p: EccPoint): boolean {
  try {
    curve.noble.Point.fromAffine({ x: toBigInt(p.x), y: toBigInt(p.y) }).assertValidity();
    return true;
  } catch {
    return false;
  }
}

/**
 * [d]P, coordinates padded to the curve size (the reference's CryptEccPointMultiply); null for the
 * point at infinity. P must have been checked with pointOnCurve.
 */
export function eccMultiply(curve: EccCurve, p: EccPoint, d: Buffer): EccPoint | null {
  const k = toBigInt(d) % curve.order;
  if (k === 0n) return null;
  const r = curve.noble.Point.fromAffine({ x: toBigInt(p.x), y: toBigInt(p.y) }).multiply(k);
  if (r.is0()) return null;
  const a = r.toAffine();
  return { x: toBytes(a.x, curve.size), y: toBytes(a.y, curve.size) };
}
