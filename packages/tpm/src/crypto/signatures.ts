import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { fail } from '../errors.js';
import { hmac } from './hashAlgorithms.js';
import { eccCurve } from './eccCurves.js';
import { ecdsaSign, ecdsaVerify, schnorrSign, schnorrVerify } from './eccSignatures.js';
import { rsapssSign, rsapssVerify, rsassaSign, rsassaVerify } from './rsaSignatures.js';
import type { ByteSource } from './kdfStream.js';
import { isPublicOnly, modulusBytes, rsaPrivateKeyOf, rsaPublicKeyOf, type KeyMaterial } from '../objects/keyObjects.js';
import type { EccPoint } from '../structures/public.js';
import type { Signature, SignatureEcc, SignatureRsa, SigScheme } from '../structures/signature.js';
import type { TpmtHa } from '../structures/basic.js';

/**
 * Signs a digest with a scheme already chosen for the key (the reference's CryptSign). Failures
 * are unnumbered TpmErrors: TPM_RC_SCHEME when the scheme does not suit the key type,
 * TPM_RC_VALUE when the digest does not suit the scheme (or an ECDAA commit is missing).
 */
export function signDigest(key: KeyMaterial, scheme: SigScheme, digest: Buffer, random: ByteSource): Signature {
  const { pub, sensitive } = key;
  const sigAlg = scheme.scheme;
  if (sigAlg === TPM_ALG.NULL) return { sigAlg, signature: null };
  const hashAlg = scheme.details!.hashAlg;
  switch (pub.type) {
    case TPM_ALG.RSA: {
      if (sigAlg !== TPM_ALG.RSASSA && sigAlg !== TPM_ALG.RSAPSS) fail(TPM_RC.SCHEME, 'not an RSA signature scheme');
      const k = rsaPrivateKeyOf(key);
      const sig = sigAlg === TPM_ALG.RSASSA ? rsassaSign(k, modulusBytes(pub), hashAlg, digest) : rsapssSign(k, modulusBytes(pub), hashAlg, digest, random);
      if (!sig) fail(TPM_RC.VALUE, 'digest does not suit the scheme');
      return { sigAlg, signature: { hash: hashAlg, sig } };
    }
    case TPM_ALG.ECC: {
      const curve = eccCurve(pub.parameters.curveID);
      const d = sensitive.sensitive;
      let rs: { r: Buffer; s: Buffer };
      if (sigAlg === TPM_ALG.ECDSA) rs = ecdsaSign(curve, d, digest, random);
      else if (sigAlg === TPM_ALG.ECSCHNORR) rs = schnorrSign(curve, hashAlg, d, digest, random);
      // ECDAA signs with the r of a TPM2_Commit, which this TPM does not implement: no commit matches
      else if (sigAlg === TPM_ALG.ECDAA) fail(TPM_RC.VALUE, 'no ECDAA commit for this count');
      else fail(TPM_RC.SCHEME, 'not an ECC signature scheme');
      return { sigAlg, signature: { hash: hashAlg, signatureR: rs.r, signatureS: rs.s } };
    }
    case TPM_ALG.KEYEDHASH:
      if (sigAlg !== TPM_ALG.HMAC) fail(TPM_RC.SCHEME, 'an HMAC key signs with HMAC');
      return { sigAlg, signature: { hashAlg, digest: hmac(hashAlg, sensitive.sensitive, digest) } };
    default:
      return fail(TPM_RC.SCHEME, 'not a signing key type');
  }
}

/**
 * Checks a signature over a digest (the reference's CryptValidateSignature). Returns the unnumbered
 * response code: TPM_RC_SUCCESS, TPM_RC_SIGNATURE (not genuine), TPM_RC_SCHEME (no scheme of this
 * key type) or TPM_RC_HANDLE (an HMAC key loaded without its secret).
 */
export function checkSignature(key: KeyMaterial, digest: Buffer, sig: Signature): number {
  const { pub } = key;
  if (sig.sigAlg === TPM_ALG.NULL) return TPM_RC.SIGNATURE;
  const ok = (valid: boolean) => (valid ? TPM_RC.SUCCESS : TPM_RC.SIGNATURE);
  switch (pub.type) {
    case TPM_ALG.RSA: {
      if (sig.sigAlg !== TPM_ALG.RSASSA && sig.sigAlg !== TPM_ALG.RSAPSS) return TPM_RC.SCHEME;
      const { hash, sig: s } = sig.signature as SignatureRsa;
      const verify = sig.sigAlg === TPM_ALG.RSASSA ? rsassaVerify : rsapssVerify;
      return ok(verify(rsaPublicKeyOf(pub), modulusBytes(pub), hash, digest, s));
    }
    case TPM_ALG.ECC: {
      if (sig.sigAlg !== TPM_ALG.ECDSA && sig.sigAlg !== TPM_ALG.ECSCHNORR) return TPM_RC.SCHEME;
      const curve = eccCurve(pub.parameters.curveID);
      const { hash, signatureR: r, signatureS: s } = sig.signature as SignatureEcc;
      const q = pub.unique as EccPoint;
      return ok(sig.sigAlg === TPM_ALG.ECDSA ? ecdsaVerify(curve, q, digest, { r, s }) : schnorrVerify(curve, hash, q, digest, { r, s }));
    }
    case TPM_ALG.KEYEDHASH: {
      if (isPublicOnly(key)) return TPM_RC.HANDLE;
      if (sig.sigAlg !== TPM_ALG.HMAC) return TPM_RC.SCHEME;
      const { hashAlg, digest: mac } = sig.signature as TpmtHa;
      // A key with a scheme only vouches for signatures of that scheme (no weaker hash).
      const keyScheme = pub.parameters.scheme;
      if (keyScheme.scheme !== TPM_ALG.NULL && keyScheme.details.hashAlg !== hashAlg) return TPM_RC.SIGNATURE;
      return ok(hmac(hashAlg, key.sensitive.sensitive, digest).equals(mac));
    }
    default:
      return TPM_RC.SCHEME;
  }
}
