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

const EMPTY = Buffer.alloc(0);

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
  return produceOuterWrap(parent, name, marshal(TPM2B_SENSITIVE, sensitive));
}

/**
 * The outer wrapper of any protected blob (the reference's ProduceOuterWrap, no IV): storage,
 * credentials (seed from the secret, Part 1, 24) and duplication (Part 1, 23.3.2) all use it.
 * Result: TPM2B_DIGEST(HMAC(KDFa(seed, "INTEGRITY"), enc || name)) || enc.
 */
export function produceOuterWrap(parent: StorageParent, name: Buffer, plain: Buffer): Buffer {
  const symKey = kdfa(parent.nameAlg, parent.seed, 'STORAGE', name, EMPTY, parent.symKeyBits);
  const enc = cfbZeroIv(parent.symKeyBits, symKey, plain, true);
  return Buffer.concat([marshal(TPM2B_DIGEST, outerIntegrity(parent, name, enc)), enc]);
}

/**
 * KDFa(seed, "INTEGRITY") depends on the parent alone, so it is kept per seed buffer (a loaded
 * parent keeps its seedValue buffer) and name algorithm. The seed's octets are compared too, so a
 * buffer changed in place gets a fresh key; seeds made per call (credentials, duplication) just miss.
 */
const integrityKeys = new WeakMap<Buffer, { seed: Buffer; nameAlg: number; key: Buffer }[]>();

function integrityKey(parent: StorageParent): Buffer {
  let entries = integrityKeys.get(parent.seed);
  const hit = entries?.find((e) => e.nameAlg === parent.nameAlg && e.seed.equals(parent.seed));
  if (hit) return hit.key;
  const key = kdfa(parent.nameAlg, parent.seed, 'INTEGRITY', EMPTY, EMPTY, digestSize(parent.nameAlg) * 8);
  if (!entries) integrityKeys.set(parent.seed, (entries = []));
  else if (entries.length >= 4) entries.length = 0;
  entries.push({ seed: Buffer.from(parent.seed), nameAlg: parent.nameAlg, key });
  return key;
}

function outerIntegrity(parent: StorageParent, name: Buffer, enc: Buffer): Buffer {
  return hmac(parent.nameAlg, integrityKey(parent), enc, name);
}

/**
 * The reference's UnwrapOuter: checks the integrity HMAC (TPM_RC_INTEGRITY), then decrypts.
 * An integrity field that does not parse is the TPM2B_DIGEST unmarshal code (SIZE / INSUFFICIENT).
 */
export function unwrapOuter(parent: StorageParent, name: Buffer, blob: Buffer): Buffer {
  const r = new Reader(blob);
  const integrity = TPM2B_DIGEST.read(r);
  const enc = blob.subarray(r.offset);
  const expected = outerIntegrity(parent, name, enc);
  if (integrity.length !== expected.length || !timingSafeEqual(integrity, expected)) fail(TPM_RC.INTEGRITY, 'integrity check failed');
  const symKey = kdfa(parent.nameAlg, parent.seed, 'STORAGE', name, EMPTY, parent.symKeyBits);
  return cfbZeroIv(parent.symKeyBits, symKey, enc, false);
}

/**
 * Unwraps a TPM2B_PRIVATE's contents. Any tampering, a different parent or a different public area
 * (name) fails the integrity check: TPM_RC_INTEGRITY. A sensitive area that does not parse is
 * refused with the unmarshal code (after integrity passed, this means a broken creator).
 */
export function unwrapSensitive(parent: StorageParent, name: Buffer, priv: Buffer): TpmtSensitive {
  try {
    TPM2B_DIGEST.read(new Reader(priv)); // Load answers an unparsable integrity field with INSUFFICIENT
  } catch {
    throw new TpmError(TPM_RC.INSUFFICIENT, 'private area too short');
  }
  const plain = unwrapOuter(parent, name, priv);
  const sr = new Reader(plain);
  const sensitive = TPM2B_SENSITIVE.read(sr);
  if (sr.remaining !== 0) fail(TPM_RC.SIZE, 'bytes after the sensitive area');
  return sensitive as TpmtSensitive;
}
