import { TPM_NT } from '../constants/attributes.js';
import { TPM_RC } from '../constants/rc.js';
import { hash } from '../crypto/hashAlgorithms.js';
import { TpmError, fail } from '../errors.js';
import { checkRange, checkWriteAccess } from '../nv/nvAccess.js';
import type { NvIndex } from '../nv/nvIndex.js';
import { implement } from '../pipeline/handler.js';
import { NV_Extend, NV_GlobalWriteLock, NV_Increment, NV_SetBits, NV_Write, NV_WriteLock } from '../spec/nv.js';
import type { Tpm } from '../tpm.js';

// Changing NV data and write locks (Part 3, 31.7-31.12). Each first checks that the authorizer
// may write (TPM_RC_NV_LOCKED / TPM_RC_NV_AUTHORIZATION), then that the index has the right type.

/** The index a write command addresses, after the common write checks. */
function writableIndex(tpm: Tpm, handles: { authHandle: number; nvIndex: number }): NvIndex {
  const index = tpm.nv.at(handles.nvIndex);
  checkWriteAccess(handles.authHandle, index);
  return index;
}

function requireType(index: NvIndex, type: number, what: string): void {
  if (index.type !== type) throw new TpmError(TPM_RC.ATTRIBUTES, `not ${what} index`).forHandle(2);
}

export const nvWrite = implement(NV_Write, (tpm, { handles, params }) => {
  const index = writableIndex(tpm, handles);
  // Counters, bit fields and extend indices change only through their own commands.
  if (index.type === TPM_NT.COUNTER || index.type === TPM_NT.BITS || index.type === TPM_NT.EXTEND) fail(TPM_RC.ATTRIBUTES, 'index type has its own write command');
  checkRange(index, params.offset, params.data.length, 2);
  if (index.has('WRITEALL') && params.data.length < index.dataSize) fail(TPM_RC.NV_RANGE, 'WRITEALL index must be written whole');
  tpm.nv.write(index, params.offset, params.data);
  return {};
});

export const nvIncrement = implement(NV_Increment, (tpm, { handles }) => {
  const index = writableIndex(tpm, handles);
  requireType(index, TPM_NT.COUNTER, 'a counter');
  tpm.nv.increment(index);
  return {};
});

export const nvExtend = implement(NV_Extend, (tpm, { handles, params }) => {
  const index = writableIndex(tpm, handles);
  requireType(index, TPM_NT.EXTEND, 'an extend');
  // new = H_nameAlg(old || data), the old value being zeros before the first extend.
  const old = index.has('WRITTEN') ? index.data : Buffer.alloc(index.dataSize);
  tpm.nv.write(index, 0, hash(index.nameAlg, old, params.data));
  return {};
});

export const nvSetBits = implement(NV_SetBits, (tpm, { handles, params }) => {
  const index = writableIndex(tpm, handles);
  requireType(index, TPM_NT.BITS, 'a bit field');
  const value = Buffer.alloc(8);
  value.writeBigUInt64BE(index.uint64 | params.bits);
  tpm.nv.write(index, 0, value);
  return {};
});

export const nvWriteLock = implement(NV_WriteLock, (tpm, { handles }) => {
  const index = tpm.nv.at(handles.nvIndex);
  try {
    checkWriteAccess(handles.authHandle, index);
  } catch (e) {
    // Locking an index that is already locked is no error; a wrong authorizer is.
    if (e instanceof TpmError && e.rc === TPM_RC.NV_LOCKED) return {};
    throw e;
  }
  if (!index.has('WRITEDEFINE') && !index.has('WRITE_STCLEAR')) throw new TpmError(TPM_RC.ATTRIBUTES, 'neither WRITEDEFINE nor WRITE_STCLEAR').forHandle(2);
  index.set('WRITELOCKED');
  return {};
});

export const nvGlobalWriteLock = implement(NV_GlobalWriteLock, (tpm) => {
  tpm.nv.globalWriteLock();
  return {};
});
