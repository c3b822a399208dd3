import { TPM_NT } from '../constants/attributes.js';
import type { NvIndex } from './nvIndex.js';

/** PIN pass and PIN fail indices hold TPMS_NV_PIN_COUNTER_PARAMETERS: pinCount then pinLimit (Part 2, 13.2). */
export const isPinIndex = (index: NvIndex): boolean => index.type === TPM_NT.PIN_FAIL || index.type === TPM_NT.PIN_PASS;

export function pinCounter(index: NvIndex): { pinCount: number; pinLimit: number } {
  return { pinCount: index.data.readUInt32BE(0), pinLimit: index.data.readUInt32BE(4) };
}

/** A PIN index's authValue can be used once it is written and while pinCount < pinLimit (Part 1, 37.2.4). */
export function pinUsable(index: NvIndex): boolean {
  if (!index.has('WRITTEN')) return false;
  const { pinCount, pinLimit } = pinCounter(index);
  return pinCount < pinLimit;
}
