import { constants, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { marshal } from '../codec/codec.js';
import { Reader } from '../codec/reader.js';
import { fail } from '../errors.js';
import { TPMS_ECC_POINT, type EccPoint, type TpmtPublic } from '../structures/public.js';
import { toBigInt, toBytes } from './bigints.js';
import { eccCurve } from './eccCurves.js';
import { eccEphemeralExchange, eccSharedX } from './ecdh.js';
import { digestSize, hashAlgorithm } from './hashAlgorithms.js';
import { kdfe } from './kdfe.js';
import { rsaPrivateKeyObject, rsaPublicKeyObject } from './rsaKeys.js';

/**
 * Secret sharing with an asymmetric TPM key (Part 1, 11.4.9 and Annex B/C; the reference's
 * CryptSecretEncrypt / CryptSecretDecrypt): a seed of nameAlg digest size travels either
 * RSA-OAEP encrypted (label = the use, e.g. "SECRET") or as an ephemeral ECC point from which
 * both sides derive it with ECDH and KDFe. StartAuthSession salts, credentials and imports use it.
 */
export interface SharedSecret {
  /** The seed both sides end up with. */
  readonly seed: Buffer;
  /** What travels: the OAEP ciphertext or a marshalled TPMS_ECC_POINT. */
  readonly encrypted: Buffer;
}

const labelBytes = (label: string) => Buffer.concat([Buffer.from(label, 'latin1'), Buffer.alloc(1)]);

/** The OAEP hash of an RSA decryption key: its scheme's hash when the scheme is OAEP, nameAlg when NULL. */
function oaepHash(pub: TpmtPublic): number {
  const scheme = pub.parameters.scheme;
  if (scheme.scheme === TPM_ALG.NULL) return pub.nameAlg;
  if (scheme.scheme === TPM_ALG.OAEP) return scheme.details.hashAlg;
  return fail(TPM_RC.SCHEME, 'RSA key scheme is neither NULL nor OAEP');
}

/**
 * x coordinate of d * Q on the key's curve, at full coordinate size; the point must be on the curve
 * (TPM_RC_ECC_POINT). OpenSSL multiplies and checks the point; [d]Q is never the identity for a
 * valid d (in [1, n-1], as every loaded key's is) and Q on these prime-order curves.
 */
function ecdhZ(curveId: number, point: EccPoint, d: Buffer): Buffer {
  return eccSharedX(eccCurve(curveId), point, d) ?? fail(TPM_RC.ECC_POINT, 'point is not on the curve');
}

/** CryptSecretDecrypt for RSA and ECC keys; `sensitive` is the prime p or the private scalar. */
export function secretDecrypt(pub: TpmtPublic, sensitive: Buffer, label: string, encrypted: Buffer): Buffer {
  if (pub.type === TPM_ALG.RSA) {
    const hashAlg = oaepHash(pub);
    const n = pub.unique as Buffer;
    if (encrypted.length !== n.length) fail(TPM_RC.SIZE, 'ciphertext is not the modulus size');
    let seed: Buffer;
    try {
      const key = rsaPrivateKeyObject(n, pub.parameters.exponent, sensitive);
      seed = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hashAlgorithm(hashAlg).nodeName, oaepLabel: labelBytes(label) }, encrypted);
    } catch {
      // libtpms' OpenSSL CryptRsaDecrypt (swtpm) answers a failed OAEP decoding with TPM_RC_FAILURE
      return fail(TPM_RC.FAILURE, 'OAEP decryption failed');
    }
    if (seed.length > digestSize(hashAlg)) fail(TPM_RC.VALUE, 'secret longer than the digest');
    return seed;
  }
  if (pub.type === TPM_ALG.ECC) {
    // The point's unmarshal code (SIZE, INSUFFICIENT) stands; octets after it are ignored (as the reference).
    const ephemeral = TPMS_ECC_POINT.read(new Reader(encrypted)) as EccPoint;
    const z = ecdhZ(pub.parameters.curveID, ephemeral, sensitive);
    return kdfe(pub.nameAlg, z, label, ephemeral.x, (pub.unique as EccPoint).x, digestSize(pub.nameAlg) * 8);
  }
  return fail(TPM_RC.KEY, 'not an asymmetric key');
}

/** CryptSecretEncrypt, the caller's side: a fresh seed and its encryption to `pub`. */
export function secretEncrypt(pub: TpmtPublic, label: string, random: (n: number) => Buffer = randomBytes): SharedSecret {
  if (pub.type === TPM_ALG.RSA) {
    const hashAlg = oaepHash(pub);
    const seed = random(digestSize(hashAlg));
    const key = rsaPublicKeyObject(pub.unique as Buffer, pub.parameters.exponent);
    const encrypted = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hashAlgorithm(hashAlg).nodeName, oaepLabel: labelBytes(label) }, seed);
    return { seed, encrypted };
  }
  if (pub.type === TPM_ALG.ECC) {
    const curve = eccCurve(pub.parameters.curveID);
    const d = toBytes((toBigInt(random(curve.size + 8)) % (curve.order - 1n)) + 1n, curve.size);
    const { q: ephemeral, z } = eccEphemeralExchange(curve, pub.unique as EccPoint, d) ?? fail(TPM_RC.ECC_POINT, 'point is not on the curve');
    const seed = kdfe(pub.nameAlg, z, label, ephemeral.x, (pub.unique as EccPoint).x, digestSize(pub.nameAlg) * 8);
    return { seed, encrypted: marshal(TPMS_ECC_POINT, ephemeral) };
  }
  return fail(TPM_RC.KEY, 'not an asymmetric key');
}
