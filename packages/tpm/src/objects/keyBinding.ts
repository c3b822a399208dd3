import { TPM_ALG } from '../constants/alg.js';
import { hash } from '../crypto/hashAlgorithms.js';
import { eccCurve } from '../crypto/eccCurves.js';
import { eccPublicPoint } from '../crypto/eccKeys.js';
import { toBigInt } from '../crypto/bigints.js';
import type { EccPoint, TpmtPublic } from '../structures/public.js';
import type { TpmtSensitive } from '../structures/sensitive.js';

/**
 * True when a sensitive area belongs to a public area (the reference's CryptValidateKeys):
 * the RSA prime divides the modulus, the ECC scalar gives the public point, and for keyedhash
 * and symcipher objects unique = H(seedValue || sensitive).
 */
export function sensitiveMatchesPublic(pub: TpmtPublic, sens: TpmtSensitive): boolean {
  if (sens.sensitiveType !== pub.type) return false;
  try {
    switch (pub.type) {
      case TPM_ALG.RSA: {
        const n = toBigInt(pub.unique as Buffer);
        const p = toBigInt(sens.sensitive);
        return (pub.unique as Buffer).length * 8 === pub.parameters.keyBits && p > 1n && p < n && n % p === 0n;
      }
      case TPM_ALG.ECC: {
        const curve = eccCurve(pub.parameters.curveID);
        const d = toBigInt(sens.sensitive);
        if (d <= 0n || d >= curve.order) return false;
        const q = eccPublicPoint(curve, sens.sensitive);
        const u = pub.unique as EccPoint;
        return toBigInt(u.x) === toBigInt(q.x) && toBigInt(u.y) === toBigInt(q.y);
      }
      default:
        return hash(pub.nameAlg, sens.seedValue, sens.sensitive).equals(pub.unique as Buffer);
    }
  } catch {
    return false;
  }
}
