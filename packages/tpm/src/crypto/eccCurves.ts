import { p256, p384, p521 } from '@noble/curves/nist.js';
import { TPM_ECC_CURVE } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { fail } from '../errors.js';

type NobleCurve = typeof p256;

/** An implemented curve: its TPM id, @noble/curves implementation, node:crypto / JWK names and sizes. */
export interface EccCurve {
  readonly id: number;
  readonly noble: NobleCurve;
  readonly jwkName: string;
  readonly nodeName: string;
  /** Octets in a coordinate or scalar. */
  readonly size: number;
  readonly order: bigint;
  /** Bits in the order n (ECDSA keeps this many leftmost bits of a digest). */
  readonly orderBits: number;
  /** node:crypto name of the hash RFC 6979 nonces use on this curve (noble's ECDSA hash for it). */
  readonly nonceHash: string;
}

const curve = (id: number, noble: NobleCurve, jwkName: string, nodeName: string, size: number, nonceHash: string): EccCurve => ({
  id,
  noble,
  jwkName,
  nodeName,
  size,
  order: noble.Point.Fn.ORDER,
  orderBits: noble.Point.Fn.BITS,
  nonceHash,
});

export const ECC_CURVES: readonly EccCurve[] = [
  curve(TPM_ECC_CURVE.NIST_P256, p256, 'P-256', 'prime256v1', 32, 'sha256'),
  curve(TPM_ECC_CURVE.NIST_P384, p384, 'P-384', 'secp384r1', 48, 'sha384'),
  curve(TPM_ECC_CURVE.NIST_P521, p521 as unknown as NobleCurve, 'P-521', 'secp521r1', 66, 'sha512'),
];

export function eccCurve(id: number): EccCurve {
  return ECC_CURVES.find((c) => c.id === id) ?? fail(TPM_RC.CURVE, `curve 0x${id.toString(16)} not implemented`);
}
