import { createPublicKey, type KeyObject } from 'node:crypto';
import { TPM_ALG, TPM_ECC_CURVE, type EccPoint, type TpmtPublic } from '@vtpm/tpm';

const CURVES = new Map<number, { crv: string; size: number }>([
  [TPM_ECC_CURVE.NIST_P256, { crv: 'P-256', size: 32 }],
  [TPM_ECC_CURVE.NIST_P384, { crv: 'P-384', size: 48 }],
  [TPM_ECC_CURVE.NIST_P521, { crv: 'P-521', size: 66 }],
]);

/** The EK's public key as node:crypto sees it: RSA modulus and exponent (0 means 65537), or the EC point. */
export function ekPublicKey(ek: TpmtPublic): KeyObject {
  if (ek.type === TPM_ALG.RSA) {
    const e = Buffer.from((ek.parameters.exponent || 65537).toString(16).padStart(6, '0'), 'hex');
    return createPublicKey({ key: { kty: 'RSA', n: (ek.unique as Buffer).toString('base64url'), e: e.subarray(e.findIndex((b) => b !== 0)).toString('base64url') }, format: 'jwk' });
  }
  if (ek.type === TPM_ALG.ECC) {
    const curve = CURVES.get(ek.parameters.curveID);
    if (!curve) throw new Error(`EK curve 0x${ek.parameters.curveID.toString(16)} cannot be put in a certificate here`);
    const { x, y } = ek.unique as EccPoint;
    const coordinate = (c: Buffer) => Buffer.concat([Buffer.alloc(Math.max(0, curve.size - c.length)), c]).toString('base64url');
    return createPublicKey({ key: { kty: 'EC', crv: curve.crv, x: coordinate(x), y: coordinate(y) }, format: 'jwk' });
  }
  throw new Error(`an EK of type 0x${ek.type.toString(16)} is neither RSA nor ECC`);
}

/** SubjectPublicKeyInfo DER of the EK: what its certificate certifies. */
export function ekSubjectPublicKeyInfo(ek: TpmtPublic): Buffer {
  return ekPublicKey(ek).export({ type: 'spki', format: 'der' });
}
