import { TPM_ALG } from '../constants/alg.js';
import { TPM_HT, TPM_RH, handleTypeOf } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TPMA_OBJECT } from '../constants/attributes.js';
import { Reader } from '../codec/reader.js';
import { TpmError } from '../errors.js';
import { KdfStream } from '../crypto/kdfStream.js';
import { digestSize } from '../crypto/hashAlgorithms.js';
import { implement } from '../pipeline/handler.js';
import { CreatePrimary, Create, Load, CreateLoaded, LoadExternal, ReadPublic, Unseal, ObjectChangeAuth } from '../spec/object.js';
import { TPMT_PUBLIC, type TpmtPublic } from '../structures/public.js';
import type { SensitiveCreate } from '../structures/sensitive.js';
import { trimAuth } from '../sessions/sessionHmac.js';
import { validatePublic } from '../objects/attributeChecks.js';
import { generateObject, type NewObject } from '../objects/generateObject.js';
import { handleName, objectName, qualifiedName } from '../objects/objectName.js';
import { unwrapSensitive, wrapSensitive } from '../objects/protectedStorage.js';
import { sensitiveMatchesPublic } from '../objects/keyBinding.js';
import { creationData } from '../objects/creationData.js';
import { PrimaryCache } from '../objects/primaryCache.js';
import { TpmKey } from '../objects/tpmKey.js';
import type { Tpm } from '../tpm.js';

const primaries = new PrimaryCache();
const byHandle = (n: number) => (rc: number, why: string) => new TpmError(rc, why).forHandle(n);
const byParam = (n: number) => (rc: number, why: string) => new TpmError(rc, why).forParameter(n);

/** The loaded object at a handle (sequences are not objects here: TPM_RC_TYPE for that handle). */
export function keyAt(tpm: Tpm, handle: number, handleNumber: number): TpmKey {
  const obj = tpm.objectAt(handle);
  if (!(obj instanceof TpmKey)) throw byHandle(handleNumber)(TPM_RC.TYPE, 'not a key or data object');
  return obj;
}

/** A storage parent (restricted decryption key), else TPM_RC_TYPE for that handle. */
function storageParentAt(tpm: Tpm, handle: number, handleNumber: number): TpmKey {
  const parent = keyAt(tpm, handle, handleNumber);
  if (!parent.isStorageParent) throw byHandle(handleNumber)(TPM_RC.TYPE, 'parent is not a storage key');
  return parent;
}

function checkAuthSize(nameAlg: number, auth: Buffer, param: number): void {
  if (trimAuth(auth).length > digestSize(nameAlg)) throw byParam(param)(TPM_RC.SIZE, 'authValue longer than the nameAlg digest');
}

/** A primary object from the hierarchy seed (Part 1, 27.?): every value drawn from KDFa(seed, "Primary Object Creation", template Name). */
function derivePrimary(tpm: Tpm, hierarchy: number, template: TpmtPublic, create: SensitiveCreate): NewObject {
  const seed = tpm.hierarchies.seed(hierarchy);
  const templateName = objectName(template);
  const key = [tpm.rsaPrimeSearch, seed.toString('hex'), templateName.toString('hex'), create.userAuth.toString('hex'), create.data.toString('hex')].join(':');
  return primaries.get(key, () => generateObject(template, create, new KdfStream(template.nameAlg, seed, 'Primary Object Creation', templateName), tpm.rsaPrimeSearch, 1, 2));
}

function loadPrimary(tpm: Tpm, hierarchy: number, template: TpmtPublic, create: SensitiveCreate): { handle: number; key: TpmKey } {
  if (!tpm.hierarchies.isEnabled(hierarchy)) throw byHandle(1)(TPM_RC.HIERARCHY, 'hierarchy disabled');
  validatePublic(template, null, 2);
  checkAuthSize(template.nameAlg, create.userAuth, 1);
  const obj = derivePrimary(tpm, hierarchy, template, create);
  const name = objectName(obj.pub);
  const key = new TpmKey(obj.pub, obj.sensitive, name, qualifiedName(handleName(hierarchy), name, obj.pub.nameAlg), hierarchy);
  return { handle: tpm.objects.add(key), key };
}

function createUnder(tpm: Tpm, parent: TpmKey, template: TpmtPublic, create: SensitiveCreate) {
  validatePublic(template, parent, 2);
  checkAuthSize(template.nameAlg, create.userAuth, 1);
  // With a fixed seed even RSA primes come from the (seeded) RNG, so a whole test run is reproducible.
  const obj = generateObject(template, create, tpm.random, tpm.options.seed !== undefined ? tpm.rsaPrimeSearch : null, 1, 2);
  const name = objectName(obj.pub);
  return { obj, name, outPrivate: wrapSensitive(parent.storage, name, obj.sensitive) };
}

export const createPrimary = implement(CreatePrimary, (tpm, { handles, params, locality }) => {
  const hierarchy = handles.primaryHandle;
  const { handle, key } = loadPrimary(tpm, hierarchy, params.inPublic, params.inSensitive);
  const hn = handleName(hierarchy);
  const creation = creationData(tpm, key.pub.nameAlg, key.nameBytes, hierarchy, { nameAlg: TPM_ALG.NULL, name: hn, qualifiedName: hn }, params.outsideInfo, params.creationPCR, locality);
  return { objectHandle: handle, outPublic: key.pub, ...creation, name: key.nameBytes };
});

export const create = implement(Create, (tpm, { handles, params, locality }) => {
  const parent = storageParentAt(tpm, handles.parentHandle, 1);
  const { obj, name, outPrivate } = createUnder(tpm, parent, params.inPublic, params.inSensitive);
  const creation = creationData(tpm, obj.pub.nameAlg, name, parent.hierarchy, { nameAlg: parent.pub.nameAlg, name: parent.nameBytes, qualifiedName: parent.qualifiedName }, params.outsideInfo, params.creationPCR, locality);
  return { outPrivate, outPublic: obj.pub, ...creation };
});

export const load = implement(Load, (tpm, { handles, params }) => {
  const parent = storageParentAt(tpm, handles.parentHandle, 1);
  const pub = params.inPublic;
  validatePublic(pub, parent, 2);
  const name = objectName(pub);
  let sensitive;
  try {
    sensitive = unwrapSensitive(parent.storage, name, params.inPrivate);
  } catch (e) {
    throw e instanceof TpmError ? e.forParameter(1) : e;
  }
  if (!sensitiveMatchesPublic(pub, sensitive)) throw new TpmError(TPM_RC.BINDING, 'public and private areas do not belong together').forParameter(2);
  const key = new TpmKey(pub, sensitive, name, qualifiedName(parent.qualifiedName, name, pub.nameAlg), parent.hierarchy);
  return { objectHandle: tpm.objects.add(key), name };
});

export const createLoaded = implement(CreateLoaded, (tpm, { handles, params }) => {
  let template: TpmtPublic;
  try {
    const r = new Reader(params.inPublic);
    template = TPMT_PUBLIC.read(r) as TpmtPublic;
    if (r.remaining) throw new TpmError(TPM_RC.SIZE);
  } catch (e) {
    throw e instanceof TpmError ? e.forParameter(2) : e;
  }
  const ph = handles.parentHandle;
  if (handleTypeOf(ph) === TPM_HT.PERMANENT) {
    const { handle, key } = loadPrimary(tpm, ph, template, params.inSensitive);
    return { objectHandle: handle, outPrivate: Buffer.alloc(0), outPublic: key.pub, name: key.nameBytes };
  }
  const parent = storageParentAt(tpm, ph, 1);
  const { obj, name, outPrivate } = createUnder(tpm, parent, template, params.inSensitive);
  const key = new TpmKey(obj.pub, obj.sensitive, name, qualifiedName(parent.qualifiedName, name, obj.pub.nameAlg), parent.hierarchy);
  return { objectHandle: tpm.objects.add(key), outPrivate, outPublic: obj.pub, name };
});

export const loadExternal = implement(LoadExternal, (tpm, { params }) => {
  const pub = params.inPublic;
  const hierarchy = params.hierarchy;
  const hasPrivate = params.inPrivate !== null;
  if (hasPrivate && (pub.objectAttributes & (TPMA_OBJECT.fixedTPM | TPMA_OBJECT.fixedParent))) throw byParam(2)(TPM_RC.ATTRIBUTES, 'an external key with its private part cannot be fixedTPM/fixedParent');
  if (hasPrivate && hierarchy !== TPM_RH.NULL) throw byParam(3)(TPM_RC.HIERARCHY, 'an external key with its private part belongs to the NULL hierarchy');
  if (!tpm.hierarchies.isEnabled(hierarchy)) throw byParam(3)(TPM_RC.HIERARCHY, 'hierarchy disabled');
  if (pub.nameAlg === TPM_ALG.NULL && hasPrivate) throw byParam(2)(TPM_RC.HASH, 'nameAlg NULL with a private part');
  const name = objectName(pub);
  if (hasPrivate && !sensitiveMatchesPublic(pub, params.inPrivate!)) throw new TpmError(TPM_RC.BINDING, 'public and private areas do not belong together').forParameter(2);
  const sensitive = params.inPrivate ?? { sensitiveType: pub.type, authValue: Buffer.alloc(0), seedValue: Buffer.alloc(0), sensitive: Buffer.alloc(0) };
  const key = new TpmKey(pub, sensitive, name, qualifiedName(handleName(hierarchy), name, pub.nameAlg === TPM_ALG.NULL ? TPM_ALG.SHA256 : pub.nameAlg), hierarchy, true);
  return { objectHandle: tpm.objects.add(key), name };
});

export const readPublic = implement(ReadPublic, (tpm, { handles }) => {
  const obj = tpm.objectAt(handles.objectHandle);
  if (!(obj instanceof TpmKey)) throw new TpmError(TPM_RC.SEQUENCE, 'sequence objects have no public area');
  return { outPublic: obj.pub, name: obj.nameBytes, qualifiedName: obj.qualifiedName };
});

export const unseal = implement(Unseal, (tpm, { handles }) => {
  const obj = keyAt(tpm, handles.itemHandle, 1);
  if (obj.pub.type !== TPM_ALG.KEYEDHASH) throw byHandle(1)(TPM_RC.TYPE, 'not a sealed data object');
  if (obj.has('decrypt') || obj.has('sign') || obj.has('restricted')) throw byHandle(1)(TPM_RC.ATTRIBUTES, 'keys cannot be unsealed');
  return { outData: obj.sensitive.sensitive };
});

export const objectChangeAuth = implement(ObjectChangeAuth, (tpm, { handles, params }) => {
  const obj = keyAt(tpm, handles.objectHandle, 1);
  const parent = storageParentAt(tpm, handles.parentHandle, 2);
  if (!qualifiedName(parent.qualifiedName, obj.nameBytes, obj.pub.nameAlg).equals(obj.qualifiedName)) throw byHandle(2)(TPM_RC.TYPE, 'not the parent of the object');
  checkAuthSize(obj.pub.nameAlg, params.newAuth, 1);
  return { outPrivate: wrapSensitive(parent.storage, obj.nameBytes, { ...obj.sensitive, authValue: params.newAuth }) };
});
