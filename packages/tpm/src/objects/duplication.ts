import { randomBytes, timingSafeEqual } from 'node:crypto';
import { TPM_RC } from '../constants/rc.js';
import { marshal } from '../codec/codec.js';
import { Reader } from '../codec/reader.js';
import { secretEncrypt } from '../crypto/asymmetricSecret.js';
import { hash } from '../crypto/hashAlgorithms.js';
import { cfbZeroIv } from '../crypto/symmetric.js';
import { fail } from '../errors.js';
import { TPM2B_DIGEST } from '../structures/basic.js';
import type { TpmtPublic } from '../structures/public.js';
import { TPM2B_SENSITIVE, TPMT_SENSITIVE, type TpmtSensitive } from '../structures/sensitive.js';
import { objectName } from './objectName.js';
import { produceOuterWrap, unwrapOuter, type StorageParent } from './protectedStorage.js';
import { seededProtection } from './seededProtection.js';

/**
 * Duplication blobs (Part 1, 23.3.2; the reference's SensitiveToDuplicate / DuplicateToSensitive):
 *   TPM2B_SENSITIVE
 *   -> inner wrapper (optional): AES-CFB(encryptionKey, TPM2B_DIGEST(H_nameAlg(TPM2B_SENSITIVE || name)) || TPM2B_SENSITIVE)
 *   -> outer wrapper (optional): the new parent's outer wrap keyed by a seed sealed with "DUPLICATE".
 * The inner cipher is always CFB with a zero IV, whatever mode symmetricAlg names (as the reference).
 */

export const DUPLICATE_LABEL = 'DUPLICATE';

/** The caller's inner wrapper: the symmetricAlg key size and the key itself. */
export interface InnerWrapper {
  readonly keyBits: number;
  readonly key: Buffer;
}

/** ProduceInnerIntegrity and the inner encryption. */
function produceInnerWrap(nameAlg: number, name: Buffer, inner: InnerWrapper, sensitive2b: Buffer): Buffer {
  const integrity = marshal(TPM2B_DIGEST, hash(nameAlg, sensitive2b, name));
  return cfbZeroIv(inner.keyBits, inner.key, Buffer.concat([integrity, sensitive2b]), true);
}

/** Inner decryption and CheckInnerIntegrity (TPM_RC_INTEGRITY). */
function unwrapInner(nameAlg: number, name: Buffer, inner: InnerWrapper, blob: Buffer): Buffer {
  const plain = cfbZeroIv(inner.keyBits, inner.key, blob, false);
  const r = new Reader(plain);
  const integrity = TPM2B_DIGEST.read(r);
  const rest = plain.subarray(r.offset);
  const expected = hash(nameAlg, rest, name);
  if (integrity.length !== expected.length || !timingSafeEqual(integrity, expected)) fail(TPM_RC.INTEGRITY, 'inner integrity check failed');
  return rest;
}

/** The duplication blob of a sensitive area; null wrappers are not applied. */
export function sensitiveToDuplicate(sensitive: TpmtSensitive, name: Buffer, nameAlg: number, outer: StorageParent | null, inner: InnerWrapper | null): Buffer {
  let blob = marshal(TPM2B_SENSITIVE, sensitive);
  if (inner) blob = produceInnerWrap(nameAlg, name, inner, blob);
  if (outer) blob = produceOuterWrap(outer, name, blob);
  return blob;
}

/**
 * The sensitive area inside a duplication blob. TPM_RC_INTEGRITY for a blob that was tampered
 * with or made for another object, key or seed; TPM_RC_SIZE when the TPM2B_SENSITIVE size does not
 * cover exactly the rest of the blob; otherwise the unmarshal code.
 */
export function duplicateToSensitive(blob: Buffer, name: Buffer, nameAlg: number, outer: StorageParent | null, inner: InnerWrapper | null): TpmtSensitive {
  let data = blob;
  if (outer) data = unwrapOuter(outer, name, data);
  if (inner) data = unwrapInner(nameAlg, name, inner, data);
  const r = new Reader(data);
  const size = r.u16();
  if (size !== r.remaining) fail(TPM_RC.SIZE, 'TPM2B_SENSITIVE size does not match the blob');
  const sensitive = TPMT_SENSITIVE.read(r) as TpmtSensitive;
  if (r.remaining !== 0) fail(TPM_RC.SIZE, 'bytes after the sensitive area');
  return sensitive;
}

/** What Import needs besides the public area: the blob and the sealed seed (empty without an outer wrapper). */
export interface DuplicationBlob {
  readonly duplicate: Buffer;
  readonly inSymSeed: Buffer;
}

/**
 * Duplicate as software (e.g. to import an externally generated key): wraps `sensitive` for
 * `newParent` (null: no outer wrapper) with an optional inner wrapper.
 */
export function wrapForImport(
  newParent: TpmtPublic | null,
  objectPublic: TpmtPublic,
  sensitive: TpmtSensitive,
  inner: InnerWrapper | null = null,
  random: (n: number) => Buffer = randomBytes,
): DuplicationBlob {
  const sealed = newParent ? secretEncrypt(newParent, DUPLICATE_LABEL, random) : null;
  const outer = newParent && sealed ? seededProtection(newParent, sealed.seed) : null;
  const duplicate = sensitiveToDuplicate(sensitive, objectName(objectPublic), objectPublic.nameAlg, outer, inner);
  return { duplicate, inSymSeed: sealed?.encrypted ?? Buffer.alloc(0) };
}
