import { constants, verify, type KeyObject } from 'node:crypto';
import { TPM_ALG, algName, hashAlgorithm, signatureHash, type Signature, type SignatureEcc, type SignatureRsa, type TpmtPublic } from '@vtpm/tpm';
import { refuse } from '../refusal.js';
import { requireAllowedHash } from './hashPolicy.js';
import { JWK_CURVES, publicKeyObject } from './publicKeyObject.js';

/** Left-pads an ECC scalar to the curve size (some TPMs drop leading zero octets). */
function padScalar(v: Buffer, size: number): Buffer {
  if (v.length > size) refuse('signature-invalid', `ECDSA r or s is ${v.length} octets, longer than the curve's ${size}`);
  return Buffer.concat([Buffer.alloc(size - v.length), v]);
}

/** The scheme the key's public area fixes (TPM_ALG_NULL: the caller chooses). */
function keyScheme(key: TpmtPublic): { scheme: number; hashAlg?: number } {
  const s = key.parameters.scheme;
  return { scheme: s.scheme, hashAlg: s.details?.hashAlg };
}

/**
 * Verifies a TPMT_SIGNATURE over `message` (the signed octets, e.g. the TPMS_ATTEST) with an RSA
 * or ECC public area: RSASSA-PKCS1-v1_5, RSA-PSS (any salt length: TPMs differ) and ECDSA with an
 * allowed hash. A key whose public area fixes a scheme must have signed with exactly it. Returns
 * the signature's hash, which is also the hash of the quote's pcrDigest. `keyObjectOf` gives the
 * key's node:crypto form (a cached import, see akCache), asked for only once the scheme checks passed.
 */
export function verifyTpmSignature(message: Uint8Array, signature: Signature, key: TpmtPublic, allowed: ReadonlySet<number>, keyObjectOf: () => KeyObject = () => publicKeyObject(key, 'the signing key')): number {
  const hashAlg = signatureHash(signature);
  const rsa = signature.sigAlg === TPM_ALG.RSASSA || signature.sigAlg === TPM_ALG.RSAPSS;
  const ecdsa = signature.sigAlg === TPM_ALG.ECDSA;
  if (!rsa && !ecdsa) refuse('signature-scheme-not-allowed', `${algName(signature.sigAlg)} signatures are not accepted (RSASSA, RSAPSS or ECDSA only)`);
  if ((rsa && key.type !== TPM_ALG.RSA) || (ecdsa && key.type !== TPM_ALG.ECC)) {
    refuse('signature-scheme-not-allowed', `a ${algName(signature.sigAlg)} signature cannot come from a ${algName(key.type)} key`);
  }
  const fixed = keyScheme(key);
  if (fixed.scheme !== TPM_ALG.NULL && (fixed.scheme !== signature.sigAlg || fixed.hashAlg !== hashAlg)) {
    refuse('signature-scheme-not-allowed', `the key is fixed to ${algName(fixed.scheme)}/${algName(fixed.hashAlg ?? TPM_ALG.NULL)} but the signature is ${algName(signature.sigAlg)}/${algName(hashAlg)}`);
  }
  requireAllowedHash(hashAlg, allowed, 'the signature');

  const nodeHash = hashAlgorithm(hashAlg).nodeName;
  const keyObject = keyObjectOf();
  let valid: boolean;
  if (rsa) {
    const { sig } = signature.signature as SignatureRsa;
    const padding = signature.sigAlg === TPM_ALG.RSAPSS ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
    valid = verify(nodeHash, message, { key: keyObject, padding, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
  } else {
    const { signatureR, signatureS } = signature.signature as SignatureEcc;
    const size = JWK_CURVES.get(key.parameters.curveID)!.size;
    valid = verify(nodeHash, message, { key: keyObject, dsaEncoding: 'ieee-p1363' }, Buffer.concat([padScalar(signatureR, size), padScalar(signatureS, size)]));
  }
  if (!valid) refuse('signature-invalid', `the ${algName(signature.sigAlg)}/${algName(hashAlg)} signature does not verify with the given key: the signed bytes were changed or another key signed them`);
  return hashAlg;
}
