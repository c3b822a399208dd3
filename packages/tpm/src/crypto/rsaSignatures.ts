import type { KeyObject } from 'node:crypto';
import { TPM_ALG } from '../constants/alg.js';
import { hash, hashAlgorithm } from './hashAlgorithms.js';
import { mgf1, rsaPrivateOp, rsaPublicOp, xor } from './rsaPrimitives.js';
import type { ByteSource } from './kdfStream.js';

/** DER DigestInfo prefixes for EMSA-PKCS1-v1_5 (PKCS #1 v2.2, 9.2, note 1). */
const DIGEST_INFO: Record<number, Buffer> = {
  [TPM_ALG.SHA1]: Buffer.from('3021300906052b0e03021a05000414', 'hex'),
  [TPM_ALG.SHA256]: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  [TPM_ALG.SHA384]: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  [TPM_ALG.SHA512]: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

/** EMSA-PKCS1-v1_5 of an already computed digest; null when it does not fit (or the digest has the wrong size). */
function emsaPkcs1(hashAlg: number, digest: Buffer, emLen: number): Buffer | null {
  if (digest.length !== hashAlgorithm(hashAlg).size) return null;
  const t = Buffer.concat([DIGEST_INFO[hashAlg]!, digest]);
  if (emLen < t.length + 11) return null;
  return Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(emLen - t.length - 3, 0xff), Buffer.from([0]), t]);
}

/** RSASSA-PKCS1-v1_5 signature of a digest; null when the digest does not suit the key. */
export function rsassaSign(key: KeyObject, modulusBytes: number, hashAlg: number, digest: Buffer): Buffer | null {
  const em = emsaPkcs1(hashAlg, digest, modulusBytes);
  return em && rsaPrivateOp(key, em);
}

export function rsassaVerify(key: KeyObject, modulusBytes: number, hashAlg: number, digest: Buffer, sig: Buffer): boolean {
  const em = emsaPkcs1(hashAlg, digest, modulusBytes);
  if (!em || sig.length !== modulusBytes) return false;
  try {
    return rsaPublicOp(key, sig).equals(em);
  } catch {
    return false; // signature not below the modulus
  }
}

/**
 * The PSS salt a TPM uses when signing: as long as the digest, unless the key is too small for
 * that (RSA-1024 with SHA-512), then the largest that fits (libtpms; the reference's PssEncode).
 */
export function pssSaltLength(modulusBytes: number, hashSize: number): number {
  return Math.min(hashSize, modulusBytes - hashSize - 2);
}

/** Bits of the encoded message: one less than the modulus (our moduli are whole octets). */
const emBits = (modulusBytes: number) => modulusBytes * 8 - 1;

/** RSASSA-PSS (PKCS #1 v2.2, 8.1) of a digest, MGF1 with the same hash. */
export function rsapssSign(key: KeyObject, modulusBytes: number, hashAlg: number, digest: Buffer, random: ByteSource): Buffer | null {
  const hLen = hashAlgorithm(hashAlg).size;
  const emLen = modulusBytes;
  const sLen = pssSaltLength(modulusBytes, hLen);
  if (digest.length !== hLen || sLen < 0) return null;
  const salt = random.bytes(sLen);
  const h = hash(hashAlg, Buffer.alloc(8), digest, salt);
  const db = Buffer.concat([Buffer.alloc(emLen - sLen - hLen - 2), Buffer.from([1]), salt]);
  const maskedDb = xor(db, mgf1(hashAlg, h, db.length));
  maskedDb[0]! &= 0xff >> (8 * emLen - emBits(modulusBytes));
  return rsaPrivateOp(key, Buffer.concat([maskedDb, h, Buffer.from([0xbc])]));
}

/** RSASSA-PSS verification accepting any salt length, as TPMs verify (OpenSSL's auto salt length). */
export function rsapssVerify(key: KeyObject, modulusBytes: number, hashAlg: number, digest: Buffer, sig: Buffer): boolean {
  const hLen = hashAlgorithm(hashAlg).size;
  const emLen = modulusBytes;
  if (digest.length !== hLen || sig.length !== modulusBytes || emLen < hLen + 2) return false;
  let em: Buffer;
  try {
    em = rsaPublicOp(key, sig);
  } catch {
    return false;
  }
  if (em[emLen - 1] !== 0xbc) return false;
  const topMask = 0xff >> (8 * emLen - emBits(modulusBytes));
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  if ((maskedDb[0]! & ~topMask) !== 0) return false;
  const db = xor(maskedDb, mgf1(hashAlg, h, maskedDb.length));
  db[0]! &= topMask;
  const one = db.findIndex((b) => b !== 0);
  if (one < 0 || db[one] !== 1) return false;
  const salt = db.subarray(one + 1);
  return hash(hashAlg, Buffer.alloc(8), digest, salt).equals(h);
}
