import { createHash, createHmac } from 'node:crypto';
import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { fail } from '../errors.js';

/** A hash algorithm the TPM implements: its TPM_ALG_ID, node:crypto name and digest size. */
export interface HashAlgorithm {
  readonly alg: number;
  readonly name: string;
  readonly nodeName: string;
  readonly size: number;
  readonly blockSize: number;
}

/** The implemented hashes, in TPM_ALG_ID order (as the reference lists them in PCR banks). */
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = [
  { alg: TPM_ALG.SHA1, name: 'sha1', nodeName: 'sha1', size: 20, blockSize: 64 },
  { alg: TPM_ALG.SHA256, name: 'sha256', nodeName: 'sha256', size: 32, blockSize: 64 },
  { alg: TPM_ALG.SHA384, name: 'sha384', nodeName: 'sha384', size: 48, blockSize: 128 },
  { alg: TPM_ALG.SHA512, name: 'sha512', nodeName: 'sha512', size: 64, blockSize: 128 },
];

const byAlg = new Map(HASH_ALGORITHMS.map((h) => [h.alg, h]));

/** Largest digest the TPM produces (sizes TPM2B_DIGEST, TPMU_HA). */
export const MAX_DIGEST_SIZE = 64;

export function hashAlgorithm(alg: number): HashAlgorithm {
  return byAlg.get(alg) ?? fail(TPM_RC.HASH, `hash algorithm 0x${alg.toString(16)} not implemented`);
}

export function isHashAlgorithm(alg: number): boolean {
  return byAlg.has(alg);
}

export function digestSize(alg: number): number {
  return hashAlgorithm(alg).size;
}

export function hash(alg: number, ...parts: Uint8Array[]): Buffer {
  const h = createHash(hashAlgorithm(alg).nodeName);
  for (const p of parts) h.update(p);
  return h.digest();
}

export function hmac(alg: number, key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac(hashAlgorithm(alg).nodeName, key);
  for (const p of parts) h.update(p);
  return h.digest();
}
