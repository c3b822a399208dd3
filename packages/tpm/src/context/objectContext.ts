import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { TpmError, fail } from '../errors.js';
import { HashSequence } from '../objects/hashSequence.js';
import type { TransientObject } from '../objects/objectTable.js';
import { TpmKey } from '../objects/tpmKey.js';
import { TPM2B_AUTH, TPM2B_NAME } from '../structures/basic.js';
import { TPMT_PUBLIC, type TpmtPublic } from '../structures/public.js';
import { TPMT_SENSITIVE, type TpmtSensitive } from '../structures/sensitive.js';
import { SEQUENCE_REF_SIZE, type SequenceStore } from './sequenceStore.js';

/** TPMI_DH_SAVED values for objects (Part 2, 9.14; ContextSave): ordinary, sequence, stClear. */
export const SAVED_HANDLE = { OBJECT: 0x80000000, SEQUENCE: 0x80000001, STCLEAR: 0x80000002 } as const;

/**
 * The sensitive part of an object context, vtpm's own format (opaque to callers, like the
 * reference's marshalled OBJECT):
 *   key:      u8 1 | TPMT_PUBLIC | TPMT_SENSITIVE | TPM2B_NAME name | TPM2B_NAME qualifiedName | u32 hierarchy | u8 external
 *   sequence: u8 2 | u16 hashAlg | TPM2B_AUTH authValue | 16-octet reference into the SequenceStore
 */
const KIND = { KEY: 1, SEQUENCE: 2 } as const;

/** How TPMS_CONTEXT describes an object: its savedHandle and hierarchy (the reference's ObjectGetHierarchy). */
export function objectContextHeader(obj: TransientObject): { savedHandle: number; hierarchy: number } {
  if (obj instanceof TpmKey) return { savedHandle: obj.has('stClear') ? SAVED_HANDLE.STCLEAR : SAVED_HANDLE.OBJECT, hierarchy: obj.hierarchy };
  // sequences are temporary objects: the null hierarchy
  return { savedHandle: SAVED_HANDLE.SEQUENCE, hierarchy: TPM_RH.NULL };
}

export function serializeObject(obj: TransientObject, sequences: SequenceStore): Buffer {
  const w = new Writer(1024);
  if (obj instanceof TpmKey) {
    w.u8(KIND.KEY);
    TPMT_PUBLIC.write(w, obj.pub as never);
    TPMT_SENSITIVE.write(w, obj.sensitive);
    TPM2B_NAME.write(w, obj.nameBytes);
    TPM2B_NAME.write(w, obj.qualifiedName);
    w.u32(obj.hierarchy).u8(obj.external ? 1 : 0);
  } else if (obj instanceof HashSequence) {
    w.u8(KIND.SEQUENCE).u16(obj.hashAlg);
    TPM2B_AUTH.write(w, obj.authValue);
    w.bytes(sequences.keep(obj));
  } else {
    fail(TPM_RC.FAILURE, `a ${obj.kind} object cannot be context-saved`);
  }
  return w.finish();
}

export function restoreObject(payload: Buffer, sequences: SequenceStore): TransientObject {
  const r = new Reader(payload);
  switch (r.u8()) {
    case KIND.KEY: {
      const pub = TPMT_PUBLIC.read(r) as TpmtPublic;
      const sensitive = TPMT_SENSITIVE.read(r) as TpmtSensitive;
      const name = TPM2B_NAME.read(r);
      const qualifiedName = TPM2B_NAME.read(r);
      const hierarchy = r.u32();
      return new TpmKey(pub, sensitive, name, qualifiedName, hierarchy, r.u8() === 1);
    }
    case KIND.SEQUENCE: {
      r.u16();
      TPM2B_AUTH.read(r);
      const seq = sequences.take(r.bytes(SEQUENCE_REF_SIZE));
      // The state was dropped from the bounded store: the context no longer refers to anything.
      if (!seq) throw new TpmError(TPM_RC.HANDLE, 'saved sequence state no longer kept').forParameter(1);
      return seq;
    }
    default:
      return fail(TPM_RC.FAILURE, 'unknown object context kind');
  }
}
