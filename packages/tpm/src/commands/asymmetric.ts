import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { TpmError, fail } from '../errors.js';
import { eccCurve } from '../crypto/eccCurves.js';
import { eccPrivateScalar, eccPublicPoint } from '../crypto/eccKeys.js';
import { eccMultiply, pointOnCurve } from '../crypto/ecdh.js';
import { toBigInt } from '../crypto/bigints.js';
import { oaepDecrypt, oaepEncrypt, rawDecrypt, rawEncrypt, rsaesDecrypt, rsaesEncrypt } from '../crypto/rsaEncryption.js';
import { modulusBytes, rsaPrivateKeyOf, rsaPublicKeyOf } from '../objects/keyObjects.js';
import type { TpmKey } from '../objects/tpmKey.js';
import { implement } from '../pipeline/handler.js';
import { ECDH_KeyGen, ECDH_ZGen, RSA_Decrypt, RSA_Encrypt } from '../spec/asymmetric.js';
import type { EccPoint } from '../structures/public.js';
import type { RsaDecryptScheme } from '../structures/rsaDecrypt.js';
import { keyAt } from './object.js';
import { privateKeyAt } from './keyUse.js';

/*
 * RSA and ECDH commands (Part 3, 14). Response codes are the reference implementation's. swtpm 0.7.1
 * answers TPM_RC_FAILURE (0x101) instead for a message too long, a value not below the modulus or
 * bad padding, because libtpms hands these to OpenSSL and maps any OpenSSL failure to FAILURE; we
 * keep the reference's TPM_RC_VALUE (and TPM_RC_SIZE for a ciphertext not below the modulus).
 */

const byHandle = (rc: number, why: string) => new TpmError(rc, why).forHandle(1);
const byParam = (n: number) => (rc: number, why: string) => new TpmError(rc, why).forParameter(n);

/** An OAEP label is a string whose terminating zero is part of it (the reference's IsLabelProperlyFormatted). */
function labelIsTerminated(label: Buffer): boolean {
  return label.length === 0 || label[label.length - 1] === 0;
}

/** The key's scheme unless it has none; both given must agree (the reference's CryptRsaSelectScheme). */
function selectRsaScheme(key: TpmKey, inScheme: RsaDecryptScheme): RsaDecryptScheme | null {
  const keyScheme: RsaDecryptScheme = key.pub.parameters.scheme;
  if (keyScheme.scheme === TPM_ALG.NULL) return inScheme;
  if (inScheme.scheme === TPM_ALG.NULL) return keyScheme;
  return keyScheme.scheme === inScheme.scheme && keyScheme.details?.hashAlg === inScheme.details?.hashAlg ? inScheme : null;
}

/** The checks RSA_Encrypt and RSA_Decrypt share: an RSA key, a terminated label, a compatible scheme. */
function rsaSchemeFor(key: TpmKey, inScheme: RsaDecryptScheme, label: Buffer): RsaDecryptScheme {
  if (!labelIsTerminated(label)) throw byParam(3)(TPM_RC.VALUE, 'label must end with its terminating zero');
  const scheme = selectRsaScheme(key, inScheme);
  if (!scheme) throw byParam(2)(TPM_RC.SCHEME, 'scheme differs from the key scheme');
  return scheme;
}

export const rsaEncrypt = implement(RSA_Encrypt, (tpm, { handles, params }) => {
  const key = keyAt(tpm, handles.keyHandle, 1);
  if (key.pub.type !== TPM_ALG.RSA) throw byHandle(TPM_RC.KEY, 'not an RSA key');
  if (!key.has('decrypt')) throw byHandle(TPM_RC.ATTRIBUTES, 'not a decryption key');
  const scheme = rsaSchemeFor(key, params.inScheme, params.label);
  const pub = rsaPublicKeyOf(key.pub);
  const k = modulusBytes(key.pub);
  let outData: Buffer | null;
  if (scheme.scheme === TPM_ALG.OAEP) outData = oaepEncrypt(pub, k, scheme.details!.hashAlg!, params.label, params.message, tpm.random);
  else if (scheme.scheme === TPM_ALG.RSAES) outData = rsaesEncrypt(pub, k, params.message, tpm.random);
  else if (scheme.scheme === TPM_ALG.NULL) outData = rawEncrypt(pub, k, params.message);
  else return fail(TPM_RC.SCHEME, 'not an encryption scheme');
  return { outData: outData ?? fail(TPM_RC.VALUE, 'message too long for the key and scheme') };
});

export const rsaDecrypt = implement(RSA_Decrypt, (tpm, { handles, params }) => {
  const key = privateKeyAt(tpm, handles.keyHandle, 1);
  if (key.pub.type !== TPM_ALG.RSA) throw byHandle(TPM_RC.KEY, 'not an RSA key');
  if (key.has('restricted') || !key.has('decrypt')) throw byHandle(TPM_RC.ATTRIBUTES, 'not an unrestricted decryption key');
  const scheme = rsaSchemeFor(key, params.inScheme, params.label);
  const k = modulusBytes(key.pub);
  if (params.cipherText.length !== k) fail(TPM_RC.SIZE, 'ciphertext is not as long as the modulus');
  if (toBigInt(params.cipherText) >= toBigInt(key.pub.unique as Buffer)) fail(TPM_RC.SIZE, 'ciphertext not below the modulus (RSADP)');
  const priv = rsaPrivateKeyOf(key);
  let message: Buffer | null;
  if (scheme.scheme === TPM_ALG.OAEP) message = oaepDecrypt(priv, k, scheme.details!.hashAlg!, params.label, params.cipherText);
  else if (scheme.scheme === TPM_ALG.RSAES) message = rsaesDecrypt(priv, params.cipherText);
  else if (scheme.scheme === TPM_ALG.NULL) message = rawDecrypt(priv, params.cipherText);
  else return fail(TPM_RC.SCHEME, 'not an encryption scheme');
  return { message: message ?? fail(TPM_RC.VALUE, 'padding does not decode') };
});

/** ECDH_KeyGen: an ephemeral key pair (d_e, Q_e) and Z = [d_e]Q_key; anyone may ask, the key's secret is not used. */
export const ecdhKeyGen = implement(ECDH_KeyGen, (tpm, { handles }) => {
  const key = keyAt(tpm, handles.keyHandle, 1);
  if (key.pub.type !== TPM_ALG.ECC) throw byHandle(TPM_RC.KEY, 'not an ECC key');
  const curve = eccCurve(key.pub.parameters.curveID);
  const q = key.pub.unique as EccPoint;
  if (!pointOnCurve(curve, q)) throw byHandle(TPM_RC.KEY, 'the key point is not on its curve');
  for (;;) {
    const d = eccPrivateScalar(curve, tpm.random);
    const zPoint = eccMultiply(curve, q, d);
    if (zPoint) return { zPoint, pubPoint: eccPublicPoint(curve, d) };
  }
});

/** ECDH_ZGen: Z = [d_key]P for a caller's point; P must be on the key's curve (TPM_RC_ECC_POINT). */
export const ecdhZGen = implement(ECDH_ZGen, (tpm, { handles, params }) => {
  const key = privateKeyAt(tpm, handles.keyHandle, 1);
  if (key.pub.type !== TPM_ALG.ECC) throw byHandle(TPM_RC.KEY, 'not an ECC key');
  if (key.has('restricted') || !key.has('decrypt')) throw byHandle(TPM_RC.ATTRIBUTES, 'not an unrestricted decryption key');
  const scheme = key.pub.parameters.scheme.scheme;
  if (scheme !== TPM_ALG.ECDH && scheme !== TPM_ALG.NULL) throw byHandle(TPM_RC.SCHEME, 'the key scheme is not ECDH');
  const curve = eccCurve(key.pub.parameters.curveID);
  if (!pointOnCurve(curve, params.inPoint)) throw byParam(1)(TPM_RC.ECC_POINT, 'point not on the key curve');
  const outPoint = eccMultiply(curve, params.inPoint, key.sensitive.sensitive) ?? fail(TPM_RC.NO_RESULT, 'point at infinity');
  return { outPoint };
});
