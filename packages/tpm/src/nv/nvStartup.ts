import { TPMA_NV, TPM_NT } from '../constants/attributes.js';
import { nvTypeOf } from './nvIndex.js';

/**
 * An index's attributes after TPM Reset or TPM Restart (Part 1, 37.4; the reference's
 * NvSetStartupAttributes): the read lock goes; a non-counter loses its contents when it is
 * CLEAR_STCLEAR, or ORDERLY on a TPM Reset; the write lock stays only on a written WRITEDEFINE
 * index (WRITE_STCLEAR and global locks end here).
 */
export function startupAttributes(attributes: number, kind: 'reset' | 'restart'): number {
  let a = attributes & ~TPMA_NV.READLOCKED;
  if (nvTypeOf(a) !== TPM_NT.COUNTER && ((a & TPMA_NV.CLEAR_STCLEAR) !== 0 || ((a & TPMA_NV.ORDERLY) !== 0 && kind === 'reset'))) {
    a &= ~TPMA_NV.WRITTEN;
  }
  if ((a & TPMA_NV.WRITTEN) === 0 || (a & TPMA_NV.WRITEDEFINE) === 0) a &= ~TPMA_NV.WRITELOCKED;
  return a >>> 0;
}
