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
}

const curve = (id: number, noble: NobleCurve, jwkName: string, nodeName: string, size: number): EccCurve => ({
  id,
  noble,
  jwkName,
  nodeName,
  size,
  order: noble.Point.Fn.ORDER,
});

export const ECC_CURVES: readonly EccCurve[] = [
  curve(TPM_ECC_CURVE.NIST_P256, p256, 'P-256', 'prime256v1', 32),
  curve(TPM_ECC_CURVE.NIST_P384, p384, 'P-384', 'secp384r1', 48),
  curve(TPM_ECC_CURVE.NIST_P521, p521 as unknown as NobleCurve, 'P-521', 'secp521r1', 66),
];

export function eccCurve(id: number): EccCurve {
  return ECC_CURVES.find((c) => c.id === id) ?? fail(TPM_RC.CURVE, `curve 0x${id.toString(16)} not implemented`);
}
