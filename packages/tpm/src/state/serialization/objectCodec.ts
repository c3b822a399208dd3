import { struct, u32, yesNo, restricted, type Codec } from '../../codec/codec.js';
import { HR, TPM_RH } from '../../constants/handles.js';
import { TPM_RC } from '../../constants/rc.js';
import { fail } from '../../errors.js';
import { MAX_LOADED_OBJECTS } from '../../objects/objectTable.js';
import { isOwnerPersistentHandle, isPlatformPersistentHandle } from '../../objects/persistentObjects.js';
import { TpmKey } from '../../objects/tpmKey.js';
import { TPM2B_NAME } from '../../structures/basic.js';
import { TPMT_PUBLIC, type TpmtPublic } from '../../structures/public.js';
import { TPMT_SENSITIVE, type TpmtSensitive } from '../../structures/sensitive.js';
import { ascendingBy, converted } from './stateCodecs.js';

const HIERARCHY = restricted('hierarchy', u32, [TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.NULL]);

/** A loaded or persistent key/data object: the same fields as an object context (objectContext.ts). */
export const OBJECT: Codec<TpmKey> = converted(
  'OBJECT',
  struct('OBJECT', { public: TPMT_PUBLIC, sensitive: TPMT_SENSITIVE, name: TPM2B_NAME, qualifiedName: TPM2B_NAME, hierarchy: HIERARCHY, external: yesNo }),
  (v) => {
    if (v.sensitive.sensitiveType !== v.public.type) fail(TPM_RC.TYPE, 'OBJECT: sensitive type differs from the public type');
    return new TpmKey(v.public as TpmtPublic, v.sensitive as TpmtSensitive, v.name, v.qualifiedName, v.hierarchy, v.external);
  },
  (k) => ({ public: k.pub as never, sensitive: k.sensitive as never, name: k.nameBytes, qualifiedName: k.qualifiedName, hierarchy: k.hierarchy, external: k.external }),
);

export interface PlacedObject {
  handle: number;
  object: TpmKey;
}

function handleIn(name: string, valid: (h: number) => boolean): Codec<number> {
  return converted(name, u32, (h) => (valid(h) ? h : fail(TPM_RC.HANDLE, `${name} 0x${h.toString(16)}`)), (h) => h);
}

const TRANSIENT_HANDLE = handleIn('transient handle', (h) => h >= HR.TRANSIENT && h < HR.TRANSIENT + MAX_LOADED_OBJECTS);
const PERSISTENT_HANDLE = handleIn('persistent handle', (h) => isOwnerPersistentHandle(h) || isPlatformPersistentHandle(h));

/** Loaded objects by slot (hash, HMAC and event sequences are not among them: docs/state.md). */
export const LOADED_OBJECTS = ascendingBy('loaded objects', struct('LOADED_OBJECT', { handle: TRANSIENT_HANDLE, object: OBJECT }), MAX_LOADED_OBJECTS, (o) => o.handle);

/** Persistent objects by handle; NV space bounds them far below the list limit. */
export const PERSISTENT_OBJECTS = ascendingBy('persistent objects', struct('PERSISTENT_OBJECT', { handle: PERSISTENT_HANDLE, object: OBJECT }), 1024, (o) => o.handle);
