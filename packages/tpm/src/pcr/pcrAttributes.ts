import { LIMITS } from '../structures/basic.js';

/**
 * Per-PCR attributes of the PC Client Platform TPM Profile (as in the reference implementation's
 * PCR attribute table): whether Shutdown(STATE) saves it, and the locality bitmaps (bit n =
 * locality n) allowed to reset and to extend it.
 */
export interface PcrAttributes {
  readonly stateSave: boolean;
  readonly resetLocality: number;
  readonly extendLocality: number;
  /** Changes to it do not bump pcrUpdateCounter (PCR 16 and 21-23). */
  readonly noIncrement: boolean;
  /** Reset to all ones at TPM Reset, to zero by a locality-4 (DRTM) reset (17-22). */
  readonly drtm: boolean;
}

const row = (stateSave: boolean, resetLocality: number, extendLocality: number, noIncrement = false, drtm = false): PcrAttributes => ({
  stateSave,
  resetLocality,
  extendLocality,
  noIncrement,
  drtm,
});

export const PCR_ATTRIBUTES: readonly PcrAttributes[] = [
  ...Array.from({ length: 16 }, () => row(true, 0x00, 0x1f)), // 0-15: static RTM, extend anywhere, no reset
  row(false, 0x0f, 0x1f, true), // 16: debug
  row(false, 0x10, 0x1c, false, true), // 17: DRTM, locality 4
  row(false, 0x10, 0x1c, false, true), // 18
  row(false, 0x10, 0x0c, false, true), // 19
  row(false, 0x14, 0x0e, false, true), // 20
  row(false, 0x14, 0x04, true, true), // 21
  row(false, 0x14, 0x04, true, true), // 22
  row(false, 0x0f, 0x1f, true), // 23: application
];
if (PCR_ATTRIBUTES.length !== LIMITS.PCR_COUNT) throw new Error('PCR attribute table does not cover every PCR');

/** Locality bitmap bit for a locality number (0-4; extended localities 32-255 act as none of them). */
export function localityBit(locality: number): number {
  return locality <= 4 ? 1 << locality : 0;
}
