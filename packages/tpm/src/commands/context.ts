import { TPM_HT, TPM_RH, handleTypeOf } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TpmError, fail } from '../errors.js';
import { openContext, sealContext, type ContextHeader } from '../context/contextProtection.js';
import { objectContextHeader, restoreObject, serializeObject } from '../context/objectContext.js';
import { restoreSession, serializeSession } from '../context/sessionContext.js';
import { evictObjectFits } from '../objects/evictSpace.js';
import { hierarchyOf } from '../objects/flushHierarchy.js';
import { isOwnerPersistentHandle, isPlatformPersistentHandle } from '../objects/persistentObjects.js';
import { TpmKey } from '../objects/tpmKey.js';
import { implement } from '../pipeline/handler.js';
import { ContextLoad, ContextSave, EvictControl, type TpmsContext } from '../spec/context.js';
import type { Tpm } from '../tpm.js';

const byParam1 = (rc: number, why: string) => new TpmError(rc, why).forParameter(1);
const byHandle2 = (rc: number, why: string) => new TpmError(rc, why).forHandle(2);

function seal(tpm: Tpm, header: ContextHeader & { hierarchy: number }, payload: Buffer): TpmsContext {
  const binding = tpm.contexts.binding(tpm.hierarchies.proof(header.hierarchy));
  return { ...header, contextBlob: sealContext(header, binding, payload) };
}

/**
 * TPM2_ContextSave (Part 3, 28.2). An object stays loaded; its context gets the next object context
 * sequence and savedHandle 0x80000000 / 0x80000001 (sequence) / 0x80000002 (stClear). A session
 * leaves memory but stays active under its handle; its context sequence is the context counter.
 */
export const contextSave = implement(ContextSave, (tpm, { handles }) => {
  const h = handles.saveHandle;
  if (handleTypeOf(h) === TPM_HT.TRANSIENT) {
    const obj = tpm.objectAt(h);
    const payload = serializeObject(obj, tpm.contexts.sequences);
    return { context: seal(tpm, { sequence: ++tpm.contexts.objectContextId, ...objectContextHeader(obj) }, payload) };
  }
  const payload = serializeSession(tpm.sessions.get(h)!);
  const sequence = tpm.sessions.save(h);
  return { context: seal(tpm, { sequence, savedHandle: h, hierarchy: TPM_RH.NULL }, payload) };
});

/**
 * TPM2_ContextLoad (Part 3, 28.3): integrity first (TPM_RC_INTEGRITY for anything tampered with, from
 * another TPM or hierarchy, or from before a TPM Reset), then per kind: an object into a free slot
 * of an enabled hierarchy; a session back under its handle, only from its latest context.
 */
export const contextLoad = implement(ContextLoad, (tpm, { params }) => {
  const c = params.context;
  const payload = openContext(c, tpm.contexts.binding(tpm.hierarchies.proof(c.hierarchy)), c.contextBlob);
  if (handleTypeOf(c.savedHandle) === TPM_HT.TRANSIENT) {
    if (!tpm.hierarchies.isEnabled(c.hierarchy)) throw byParam1(TPM_RC.HIERARCHY, 'the context hierarchy is disabled');
    return { loadedHandle: tpm.objects.add(restoreObject(payload, tpm.contexts.sequences)) };
  }
  if (!tpm.sessions.isCurrentContext(c.savedHandle, c.sequence)) throw byParam1(TPM_RC.HANDLE, 'not the saved context of an active session');
  tpm.sessions.load(restoreSession(payload));
  return { loadedHandle: c.savedHandle };
});

/**
 * TPM2_EvictControl (Part 3, 28.5; the reference's checks in its order): a loaded object becomes
 * persistent at persistentHandle, or a persistent object (objectHandle = persistentHandle) goes.
 * Owner authorization covers the owner range and objects outside the platform hierarchy; platform
 * authorization makes platform objects persistent in its range and may evict any.
 */
export const evictControl = implement(EvictControl, (tpm, { handles, params }) => {
  const { auth, objectHandle } = handles;
  const target = params.persistentHandle;
  const obj = tpm.objectAt(objectHandle);
  const isPersistent = handleTypeOf(objectHandle) === TPM_HT.PERSISTENT;
  const hierarchy = hierarchyOf(obj);
  if (!isPersistent) {
    // temporary (sequence, null hierarchy, external/public-only) and stClear objects cannot persist
    const temporary = !(obj instanceof TpmKey) || obj.hierarchy === TPM_RH.NULL || obj.external;
    if (temporary || obj.has('stClear')) throw byHandle2(TPM_RC.ATTRIBUTES, 'temporary or stClear object');
  } else if (objectHandle !== target) {
    throw byHandle2(TPM_RC.HANDLE, 'objectHandle and persistentHandle differ');
  }
  if (auth === TPM_RH.PLATFORM) {
    if (!isPersistent && hierarchy !== TPM_RH.PLATFORM) throw byHandle2(TPM_RC.HIERARCHY, 'platform authorization persists only platform objects');
    if (!isPersistent && !isPlatformPersistentHandle(target)) throw byParam1(TPM_RC.RANGE, 'not a platform persistent handle');
  } else {
    if (hierarchy === TPM_RH.PLATFORM) throw byHandle2(TPM_RC.HIERARCHY, 'owner authorization cannot handle platform objects');
    if (!isPersistent && !isOwnerPersistentHandle(target)) throw byParam1(TPM_RC.RANGE, 'not an owner persistent handle');
  }
  if (isPersistent) tpm.persistent.remove(target);
  else {
    if (tpm.persistent.get(target)) fail(TPM_RC.NV_DEFINED, 'persistent handle in use');
    if (!evictObjectFits(tpm.nv, tpm.persistent.count)) fail(TPM_RC.NV_SPACE, 'no NV room for another persistent object');
    const key = obj as TpmKey;
    tpm.persistent.add(target, new TpmKey(key.pub, { ...key.sensitive }, key.nameBytes, key.qualifiedName, key.hierarchy, key.external));
  }
  return {};
});
