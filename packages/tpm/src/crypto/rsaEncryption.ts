import type { KeyObject } from 'node:crypto';
import { hash, hashAlgorithm } from './hashAlgorithms.js';
import { mgf1, rsaPrivateOp, rsaPublicOp, xor } from './rsaPrimitives.js';
import type { ByteSource } from './kdfStream.js';

/**
 * RSA encryption schemes of RSA_Encrypt / RSA_Decrypt: RSAES-PKCS1-v1_5, RSAES-OAEP (MGF1 with the
 * OAEP hash; the label as given, its terminating zero included) and raw RSA. Encoders return null
 * when the message does not fit, decoders when the padding is wrong.
 */

/** Raw RSA: the message as a big-endian number, right-aligned in a modulus-sized block. */
export function rawEncrypt(key: KeyObject, modulusBytes: number, message: Buffer): Buffer | null {
  let i = 0;
  while (i < message.length && message[i] === 0) i++; // leading zeros do not count (the reference's CryptRsaEncrypt)
  const m = message.subarray(i);
  if (m.length > modulusBytes) return null;
  try {
    return rsaPublicOp(key, Buffer.concat([Buffer.alloc(modulusBytes - m.length), m]));
  } catch {
    return null; // not below the modulus
  }
}

export function rawDecrypt(key: KeyObject, cipherText: Buffer): Buffer | null {
  try {
    return rsaPrivateOp(key, cipherText);
  } catch {
    return null;
  }
}

/** RSAES-PKCS1-v1_5 (PKCS #1 v2.2, 7.2): 00 02 PS(non-zero random, >= 8) 00 M. */
export function rsaesEncrypt(key: KeyObject, modulusBytes: number, message: Buffer, random: ByteSource): Buffer | null {
  const psLen = modulusBytes - message.length - 3;
  if (psLen < 8) return null;
  const ps = random.bytes(psLen);
  for (let i = 0; i < ps.length; i++) while (ps[i] === 0) ps[i] = random.bytes(1)[0]!;
  return rsaPublicOp(key, Buffer.concat([Buffer.from([0, 2]), ps, Buffer.from([0]), message]));
}

export function rsaesDecrypt(key: KeyObject, cipherText: Buffer): Buffer | null {
  const em = rawDecrypt(key, cipherText);
  if (!em || em[0] !== 0 || em[1] !== 2) return null;
  const sep = em.indexOf(0, 2);
  if (sep < 10) return null; // no separator, or fewer than 8 octets of padding
  return Buffer.from(em.subarray(sep + 1));
}

/** RSAES-OAEP (PKCS #1 v2.2, 7.1). */
export function oaepEncrypt(key: KeyObject, modulusBytes: number, hashAlg: number, label: Buffer, message: Buffer, random: ByteSource): Buffer | null {
  const hLen = hashAlgorithm(hashAlg).size;
  const psLen = modulusBytes - message.length - 2 * hLen - 2;
  if (psLen < 0) return null;
  const db = Buffer.concat([hash(hashAlg, label), Buffer.alloc(psLen), Buffer.from([1]), message]);
  const seed = random.bytes(hLen);
  const maskedDb = xor(db, mgf1(hashAlg, seed, db.length));
  const maskedSeed = xor(seed, mgf1(hashAlg, maskedDb, hLen));
  return rsaPublicOp(key, Buffer.concat([Buffer.from([0]), maskedSeed, maskedDb]));
}

export function oaepDecrypt(key: KeyObject, modulusBytes: number, hashAlg: number, label: Buffer, cipherText: Buffer): Buffer | null {
  const hLen = hashAlgorithm(hashAlg).size;
  if (modulusBytes < 2 * hLen + 2) return null;
  const em = rawDecrypt(key, cipherText);
  if (!em) return null;
  const maskedSeed = em.subarray(1, 1 + hLen);
  const maskedDb = em.subarray(1 + hLen);
  const seed = xor(maskedSeed, mgf1(hashAlg, maskedDb, hLen));
  const db = xor(maskedDb, mgf1(hashAlg, seed, maskedDb.length));
  const one = db.indexOf(1, hLen);
  const ok = em[0] === 0 && db.subarray(0, hLen).equals(hash(hashAlg, label)) && one >= hLen && db.subarray(hLen, one).every((b) => b === 0);
  return ok ? Buffer.from(db.subarray(one + 1)) : null;
}
