import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TpmError, fail } from '../errors.js';
import type { NvIndex } from './nvIndex.js';

/**
 * Which entity may authorize a read or write, after the authorization itself succeeded
 * (Part 3, 31.1; the reference's NvReadAccessChecks / NvWriteAccessChecks). Owner and platform
 * need OWNERWRITE/PPWRITE (OWNERREAD/PPREAD); the index itself was vetted by the session checks.
 * The codes are unnumbered, as the reference returns them.
 */
export function checkWriteAccess(authHandle: number, index: NvIndex): void {
  if (index.has('WRITELOCKED')) fail(TPM_RC.NV_LOCKED, 'index is write locked');
  checkAuthorizer(authHandle, index, 'OWNERWRITE', 'PPWRITE');
}

/** Read side; NV_UNINITIALIZED comes last so NV_ReadLock can tell a bad authorizer from an unwritten index. */
export function checkReadAccess(authHandle: number, index: NvIndex): void {
  if (index.has('READLOCKED')) fail(TPM_RC.NV_LOCKED, 'index is read locked');
  checkAuthorizer(authHandle, index, 'OWNERREAD', 'PPREAD');
  if (!index.has('WRITTEN')) fail(TPM_RC.NV_UNINITIALIZED, 'index has not been written');
}

function checkAuthorizer(authHandle: number, index: NvIndex, owner: 'OWNERWRITE' | 'OWNERREAD', platform: 'PPWRITE' | 'PPREAD'): void {
  if (authHandle === TPM_RH.OWNER) {
    if (!index.has(owner)) fail(TPM_RC.NV_AUTHORIZATION, `${owner} is clear`);
  } else if (authHandle === TPM_RH.PLATFORM) {
    if (!index.has(platform)) fail(TPM_RC.NV_AUTHORIZATION, `${platform} is clear`);
  } else if (authHandle !== index.handle) {
    fail(TPM_RC.NV_AUTHORIZATION, 'another index cannot authorize this one');
  }
}

/** TPM_RC_NV_RANGE unless [offset, offset + size) lies in the index (TPM_RC_VALUE for an offset past its end). */
export function checkRange(index: NvIndex, offset: number, size: number, offsetParameter: number): void {
  if (offset > index.dataSize) throw new TpmError(TPM_RC.VALUE, 'offset beyond the index').forParameter(offsetParameter);
  if (size > index.dataSize - offset) fail(TPM_RC.NV_RANGE, 'range beyond the index');
}
