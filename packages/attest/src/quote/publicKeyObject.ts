import { createPublicKey, type KeyObject } from 'node:crypto';
import { TPM_ALG, TPM_ECC_CURVE, type EccPoint, type TpmtPublic } from '@vtpm/tpm';
import { refuse } from '../refusal.js';

/** JWK curve names and coordinate sizes of the curves node:crypto verifies with. */
export const JWK_CURVES: ReadonlyMap<number, { crv: string; size: number }> = new Map([
  [TPM_ECC_CURVE.NIST_P256, { crv: 'P-256', size: 32 }],
  [TPM_ECC_CURVE.NIST_P384, { crv: 'P-384', size: 48 }],
  [TPM_ECC_CURVE.NIST_P521, { crv: 'P-521', size: 66 }],
]);

/** The public exponent of an RSA public area (0 means the default 2^16 + 1, Part 2, 12.2.3.5). */
export function rsaExponent(pub: TpmtPublic): number {
  return pub.parameters.exponent || 65537;
}

function exponentBytes(e: number): Buffer {
  const hex = e.toString(16);
  return Buffer.from(hex.length % 2 ? '0' + hex : hex, 'hex');
}

/** A node:crypto public key for an RSA or ECC public area (for signature checks and certificate comparison). */
export function publicKeyObject(pub: TpmtPublic, what = 'the key'): KeyObject {
  if (pub.type === TPM_ALG.RSA) {
    const jwk = { kty: 'RSA', n: (pub.unique as Buffer).toString('base64url'), e: exponentBytes(rsaExponent(pub)).toString('base64url') };
    return createPublicKey({ key: jwk, format: 'jwk' });
  }
  if (pub.type === TPM_ALG.ECC) {
    const curve = JWK_CURVES.get(pub.parameters.curveID) ?? refuse('malformed-evidence', `${what} is on curve 0x${pub.parameters.curveID.toString(16)}, which this verifier does not implement`);
    const point = pub.unique as EccPoint;
    try {
      return createPublicKey({ key: { kty: 'EC', crv: curve.crv, x: point.x.toString('base64url'), y: point.y.toString('base64url') }, format: 'jwk' });
    } catch {
      return refuse('malformed-evidence', `${what}'s ECC point is not on ${curve.crv}`);
    }
  }
  return refuse('malformed-evidence', `${what} is neither an RSA nor an ECC key (type 0x${pub.type.toString(16)})`);
}
