import { timingSafeEqual } from 'node:crypto';
import { TPM_RC } from '../constants/rc.js';
import { Reader } from '../codec/reader.js';
import { marshal } from '../codec/codec.js';
import { digestSize, hmac } from '../crypto/hashAlgorithms.js';
import { kdfa } from '../crypto/kdf.js';
import { cfbZeroIv } from '../crypto/symmetric.js';
import { TpmError, fail } from '../errors.js';
import { TPM2B_DIGEST } from '../structures/basic.js';
import { TPM2B_SENSITIVE, type TpmtSensitive } from '../structures/sensitive.js';

/** What protects a child: the parent's nameAlg, its symmetric key size and its seedValue (Part 1, 23.3). */
export interface StorageParent {
  nameAlg: number;
  symKeyBits: number;
  seed: Buffer;
}

/**
 * Wraps a sensitive area for storage under a parent (Part 1, 23.3.2): the TPM2B_SENSITIVE is
 * encrypted with AES-CFB (zero IV) under KDFa(seed, "STORAGE", name), and an HMAC under
 * KDFa(seed, "INTEGRITY") over encSensitive || name is prepended as a TPM2B_DIGEST.
 */
export function wrapSensitive(parent: StorageParent, name: Buffer, sensitive: TpmtSensitive): Buffer {
  const plain = marshal(TPM2B_SENSITIVE, sensitive);
  const symKey = kdfa(parent.nameAlg, parent.seed, 'STORAGE', name, Buffer.alloc(0), parent.symKeyBits);
  const enc = cfbZeroIv(parent.symKeyBits, symKey, plain, true);
  const hmacKey = kdfa(parent.nameAlg, parent.seed, 'INTEGRITY', Buffer.alloc(0), Buffer.alloc(0), digestSize(parent.nameAlg) * 8);
  const integrity = hmac(parent.nameAlg, hmacKey, enc, name);
  return Buffer.concat([marshal(TPM2B_DIGEST, integrity), enc]);
}

/**
 * Unwraps a TPM2B_PRIVATE's contents. Any tampering, a different parent or a different public area
 * (name) fails the integrity check: TPM_RC_INTEGRITY. A sensitive area that does not parse is
 * refused with the unmarshal code (after integrity passed, this means a broken creator).
 */
export function unwrapSensitive(parent: StorageParent, name: Buffer, priv: Buffer): TpmtSensitive {
  const r = new Reader(priv);
  let integrity: Buffer;
  try {
    integrity = TPM2B_DIGEST.read(r);
  } catch {
    throw new TpmError(TPM_RC.INSUFFICIENT, 'private area too short');
  }
  const enc = priv.subarray(r.offset);
  const hmacKey = kdfa(parent.nameAlg, parent.seed, 'INTEGRITY', Buffer.alloc(0), Buffer.alloc(0), digestSize(parent.nameAlg) * 8);
  const expected = hmac(parent.nameAlg, hmacKey, enc, name);
  if (integrity.length !== expected.length || !timingSafeEqual(integrity, expected)) fail(TPM_RC.INTEGRITY, 'private area integrity check failed');
  const symKey = kdfa(parent.nameAlg, parent.seed, 'STORAGE', name, Buffer.alloc(0), parent.symKeyBits);
  const plain = cfbZeroIv(parent.symKeyBits, symKey, enc, false);
  const sr = new Reader(plain);
  const sensitive = TPM2B_SENSITIVE.read(sr);
  if (sr.remaining !== 0) fail(TPM_RC.SIZE, 'bytes after the sensitive area');
  return sensitive as TpmtSensitive;
}
