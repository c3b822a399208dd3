import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { TPM_ALG, TPM_ECC_CURVE, type EccPoint, type TpmtPublic } from '@vtpm/tpm';
import { refuse } from '../refusal.js';
import { JWK_CURVES, rsaExponent } from '../quote/publicKeyObject.js';

// Some EK certificates name the RSA key id-RSAES-OAEP rather than rsaEncryption (both carry RSAPublicKey).
const RSA_KEY_OIDS = new Set(['1.2.840.113549.1.1.1', '1.2.840.113549.1.1.7']);
const EC_PUBLIC_KEY_OID = '1.2.840.10045.2.1';
const CURVE_OIDS = new Map<string, number>([
  ['1.2.840.10045.3.1.7', TPM_ECC_CURVE.NIST_P256],
  ['1.3.132.0.34', TPM_ECC_CURVE.NIST_P384],
  ['1.3.132.0.35', TPM_ECC_CURVE.NIST_P521],
]);

const withoutLeadingZeros = (b: Uint8Array) => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return Buffer.from(b.subarray(i));
};

/** Whether the certificate's public key is the key of `ek` (RSA modulus and exponent, or ECC curve and point). */
export function certificateKeyMatches(cert: pkijs.Certificate, ek: TpmtPublic): boolean {
  const spki = cert.subjectPublicKeyInfo;
  const keyBits = Buffer.from(spki.subjectPublicKey.valueBlock.valueHexView);
  const oid = spki.algorithm.algorithmId;
  if (RSA_KEY_OIDS.has(oid)) {
    if (ek.type !== TPM_ALG.RSA) return false;
    let key: pkijs.RSAPublicKey;
    try {
      key = pkijs.RSAPublicKey.fromBER(keyBits);
    } catch {
      return refuse('malformed-evidence', "the certificate's RSA public key does not parse");
    }
    const n = withoutLeadingZeros(key.modulus.valueBlock.valueHexView);
    const e = withoutLeadingZeros(key.publicExponent.valueBlock.valueHexView);
    return n.equals(withoutLeadingZeros(ek.unique as Buffer)) && BigInt('0x' + e.toString('hex')) === BigInt(rsaExponent(ek));
  }
  if (oid === EC_PUBLIC_KEY_OID) {
    if (ek.type !== TPM_ALG.ECC) return false;
    const params = spki.algorithm.algorithmParams;
    const curveId = params instanceof asn1js.ObjectIdentifier ? CURVE_OIDS.get(params.valueBlock.toString()) : undefined;
    if (curveId === undefined || curveId !== ek.parameters.curveID) return false;
    const size = JWK_CURVES.get(curveId)!.size;
    const point = ek.unique as EccPoint;
    const pad = (c: Buffer) => Buffer.concat([Buffer.alloc(Math.max(0, size - c.length)), c]);
    return keyBits.equals(Buffer.concat([Buffer.from([0x04]), pad(point.x), pad(point.y)]));
  }
  return false;
}
