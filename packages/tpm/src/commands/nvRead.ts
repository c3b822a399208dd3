import { TPM_RC } from '../constants/rc.js';
import { TpmError } from '../errors.js';
import { checkRange, checkReadAccess } from '../nv/nvAccess.js';
import { implement } from '../pipeline/handler.js';
import { LIMITS } from '../structures/basic.js';
import { NV_Read, NV_ReadLock } from '../spec/nv.js';

// Reading NV data and read-locking (Part 3, 31.13 and 31.14).

export const nvRead = implement(NV_Read, (tpm, { handles, params }) => {
  const index = tpm.nv.at(handles.nvIndex);
  checkReadAccess(handles.authHandle, index);
  if (params.size > LIMITS.MAX_NV_BUFFER_SIZE) throw new TpmError(TPM_RC.VALUE, 'more than one NV buffer').forParameter(1);
  checkRange(index, params.offset, params.size, 2);
  return { data: index.read(params.offset, params.size) };
});

export const nvReadLock = implement(NV_ReadLock, (tpm, { handles }) => {
  const index = tpm.nv.at(handles.nvIndex);
  try {
    checkReadAccess(handles.authHandle, index);
  } catch (e) {
    if (!(e instanceof TpmError)) throw e;
    // Already locked is no error, and an unwritten index may be locked; a wrong authorizer may not.
    if (e.rc === TPM_RC.NV_LOCKED) return {};
    if (e.rc !== TPM_RC.NV_UNINITIALIZED) throw e;
  }
  if (!index.has('READ_STCLEAR')) throw new TpmError(TPM_RC.ATTRIBUTES, 'READ_STCLEAR is clear').forHandle(2);
  index.set('READLOCKED');
  return {};
});
