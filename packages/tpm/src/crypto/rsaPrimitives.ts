import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { hash, hashAlgorithm } from './hashAlgorithms.js';

/**
 * Textbook RSA (RSAEP / RSADP) through OpenSSL, and the MGF1 mask generator. The TPM's paddings
 * are applied around these in TypeScript, because node:crypto only signs what it hashed itself and
 * no longer decrypts PKCS#1 v1.5 (CVE-2023-46809).
 */

/** m^e mod n; throws when the input is not smaller than the modulus. */
export function rsaPublicOp(key: KeyObject, input: Buffer): Buffer {
  return publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, input);
}

/** c^d mod n; throws when the input is not smaller than the modulus. */
export function rsaPrivateOp(key: KeyObject, input: Buffer): Buffer {
  return privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, input);
}

/** MGF1 (PKCS #1 v2.2, B.2.1) with the given hash. */
export function mgf1(hashAlg: number, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let have = 0, i = 0; have < length; i++, have += hashAlgorithm(hashAlg).size) {
    counter.writeUInt32BE(i);
    out.push(hash(hashAlg, seed, counter));
  }
  return Buffer.concat(out).subarray(0, length);
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}
