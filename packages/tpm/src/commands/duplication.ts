import { TPM_ALG } from '../constants/alg.js';
import { TPMA_OBJECT } from '../constants/attributes.js';
import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { secretDecrypt, secretEncrypt } from '../crypto/asymmetricSecret.js';
import { digestSize } from '../crypto/hashAlgorithms.js';
import { TpmError } from '../errors.js';
import { DUPLICATE_LABEL, duplicateToSensitive, sensitiveToDuplicate, type InnerWrapper } from '../objects/duplication.js';
import { validateImported } from '../objects/importChecks.js';
import { objectName } from '../objects/objectName.js';
import { produceOuterWrap, unwrapOuter, wrapSensitive, type StorageParent } from '../objects/protectedStorage.js';
import { seededProtection } from '../objects/seededProtection.js';
import type { TpmKey } from '../objects/tpmKey.js';
import { implement } from '../pipeline/handler.js';
import { Duplicate, Import, Rewrap } from '../spec/duplication.js';
import { MAX_PRIVATE_SIZE } from '../structures/sensitive.js';
import type { SymDef } from '../structures/symmetric.js';
import type { Tpm } from '../tpm.js';
import { keyAt } from './object.js';
import { blaming, onParameter } from './numberedErrors.js';

const EMPTY = Buffer.alloc(0);
const handleError = (n: number, rc: number, why: string) => new TpmError(rc, why).forHandle(n);
const parameterError = (n: number, rc: number, why: string) => new TpmError(rc, why).forParameter(n);

/** The reference's ObjectIsStorage: an asymmetric restricted decryption key (a symmetric parent cannot receive a seed). */
function isAsymmetricStorage(key: TpmKey): boolean {
  return key.isStorageParent && (key.pub.type === TPM_ALG.RSA || key.pub.type === TPM_ALG.ECC);
}

/** A new or old parent of a duplication blob: an asymmetric storage key, else TPM_RC_TYPE on that handle. */
function asymmetricStorageAt(tpm: Tpm, handle: number, handleNumber: number): TpmKey {
  const key = keyAt(tpm, handle, handleNumber);
  if (!isAsymmetricStorage(key)) throw handleError(handleNumber, TPM_RC.TYPE, 'not an asymmetric storage key');
  return key;
}

/** A fresh seed sealed to the new parent ("DUPLICATE") and the outer wrapper it keys. */
function sealOuter(tpm: Tpm, newParent: TpmKey): { outer: StorageParent; outSymSeed: Buffer } {
  const { seed, encrypted } = secretEncrypt(newParent.pub, DUPLICATE_LABEL, (n) => tpm.random.bytes(n));
  return { outer: seededProtection(newParent.pub, seed), outSymSeed: encrypted };
}

/** The key size symmetricAlg calls for, in octets (0 for TPM_ALG_NULL). */
const innerKeyBytes = (sym: SymDef) => (sym.algorithm === TPM_ALG.NULL ? 0 : (sym.keyBits + 7) >> 3);

/**
 * Part 3, 13.1. The object must not be fixedParent; encryptedDuplication demands both wrappers.
 * Without encryptionKeyIn the TPM draws the inner key and returns it; a caller's key is not echoed.
 */
export const duplicate = implement(Duplicate, (tpm, { handles, params }) => {
  const object = keyAt(tpm, handles.objectHandle, 1);
  if (object.has('fixedParent')) throw handleError(1, TPM_RC.ATTRIBUTES, 'fixedParent objects cannot be duplicated');
  if (object.pub.nameAlg === TPM_ALG.NULL) throw handleError(1, TPM_RC.TYPE, 'an object without a Name cannot be duplicated');
  const toNull = handles.newParentHandle === TPM_RH.NULL;
  const newParent = toNull ? null : asymmetricStorageAt(tpm, handles.newParentHandle, 2);
  const sym = params.symmetricAlg as SymDef;
  if (object.has('encryptedDuplication')) {
    if (sym.algorithm === TPM_ALG.NULL) throw parameterError(2, TPM_RC.SYMMETRIC, 'encryptedDuplication needs an inner wrapper');
    if (toNull) throw handleError(2, TPM_RC.HIERARCHY, 'encryptedDuplication needs a new parent');
  }
  const keyIn = params.encryptionKeyIn;
  // no key without an inner wrapper; with one, none (the TPM draws it) or one of the algorithm's size
  const keyFits = sym.algorithm === TPM_ALG.NULL ? keyIn.length === 0 : keyIn.length === 0 || keyIn.length === innerKeyBytes(sym);
  if (!keyFits) throw parameterError(1, TPM_RC.SIZE, 'encryptionKeyIn does not fit symmetricAlg');

  const sealed = newParent ? sealOuter(tpm, newParent) : null;
  const generated = sym.algorithm !== TPM_ALG.NULL && keyIn.length === 0;
  const inner: InnerWrapper | null = sym.algorithm === TPM_ALG.NULL ? null : { keyBits: sym.keyBits, key: generated ? tpm.random.bytes(innerKeyBytes(sym)) : keyIn };
  return {
    encryptionKeyOut: generated ? inner!.key : EMPTY,
    duplicate: sensitiveToDuplicate(object.sensitive, object.nameBytes, object.pub.nameAlg, sealed?.outer ?? null, inner),
    outSymSeed: sealed?.outSymSeed ?? EMPTY,
  };
});

/**
 * Part 3, 13.2: the outer wrapper is opened with oldParent and made again for newParent (either may
 * be TPM_RH_NULL: no wrapper on that side); the inner contents are not touched.
 */
export const rewrap = implement(Rewrap, (tpm, { handles, params }) => {
  const fromNull = handles.oldParent === TPM_RH.NULL;
  if (fromNull !== (params.inSymSeed.length === 0)) throw handleError(1, TPM_RC.HANDLE, 'inSymSeed goes with an old parent');
  let inner = params.inDuplicate;
  if (!fromNull) {
    const oldParent = asymmetricStorageAt(tpm, handles.oldParent, 1);
    const seed = blaming(
      () => secretDecrypt(oldParent.pub, oldParent.sensitive.sensitive, DUPLICATE_LABEL, params.inSymSeed),
      () => parameterError(3, TPM_RC.VALUE, 'inSymSeed does not decrypt'),
    );
    inner = blaming(() => unwrapOuter(seededProtection(oldParent.pub, seed), params.name, params.inDuplicate), onParameter(1));
  }
  if (handles.newParent === TPM_RH.NULL) return { outDuplicate: inner, outSymSeed: EMPTY };
  const newParent = asymmetricStorageAt(tpm, handles.newParent, 2);
  const sealed = sealOuter(tpm, newParent);
  if (inner.length + 2 + digestSize(newParent.pub.nameAlg) > MAX_PRIVATE_SIZE) throw parameterError(1, TPM_RC.VALUE, 'no room for the new outer integrity');
  return { outDuplicate: produceOuterWrap(sealed.outer, params.name, inner), outSymSeed: sealed.outSymSeed };
});

/**
 * Part 3, 13.3: checks and removes both wrappers and wraps the sensitive area for storage under
 * parentHandle. The object may not be fixedTPM or fixedParent; encryptedDuplication demands both
 * wrappers. Under a fixedTPM parent the key is validated now, as Load would.
 */
export const importCommand = implement(Import, (tpm, { handles, params }) => {
  const pub = params.objectPublic;
  const has = (a: keyof typeof TPMA_OBJECT) => (pub.objectAttributes & TPMA_OBJECT[a]) !== 0;
  if (has('fixedTPM') || has('fixedParent')) throw parameterError(2, TPM_RC.ATTRIBUTES, 'fixedTPM or fixedParent objects cannot be imported');
  const parent = keyAt(tpm, handles.parentHandle, 1);
  if (!parent.isStorageParent) throw handleError(1, TPM_RC.TYPE, 'not a parent');
  const sym = params.symmetricAlg as SymDef;
  if (params.encryptionKey.length !== innerKeyBytes(sym)) throw parameterError(1, TPM_RC.SIZE, 'encryptionKey does not fit symmetricAlg');
  if (sym.algorithm === TPM_ALG.NULL && has('encryptedDuplication')) throw parameterError(1, TPM_RC.ATTRIBUTES, 'encryptedDuplication needs an inner wrapper');

  let outer: StorageParent | null = null;
  if (params.inSymSeed.length !== 0) {
    if (parent.pub.type === TPM_ALG.SYMCIPHER) throw handleError(1, TPM_RC.TYPE, 'a symmetric parent cannot receive a seed');
    const seed = blaming(() => secretDecrypt(parent.pub, parent.sensitive.sensitive, DUPLICATE_LABEL, params.inSymSeed), onParameter(4));
    outer = seededProtection(parent.pub, seed);
  } else if (has('encryptedDuplication')) {
    throw parameterError(4, TPM_RC.ATTRIBUTES, 'encryptedDuplication needs an outer wrapper');
  }
  if (pub.nameAlg === TPM_ALG.NULL) throw parameterError(2, TPM_RC.HASH, 'an object without a Name cannot be imported');
  const name = objectName(pub);
  const inner: InnerWrapper | null = sym.algorithm === TPM_ALG.NULL ? null : { keyBits: sym.keyBits, key: params.encryptionKey };
  const sensitive = blaming(() => duplicateToSensitive(params.duplicate, name, pub.nameAlg, outer, inner), onParameter(3));
  if (parent.has('fixedTPM')) validateImported(pub, sensitive);
  return { outPrivate: wrapSensitive(parent.storage, name, sensitive) };
});
