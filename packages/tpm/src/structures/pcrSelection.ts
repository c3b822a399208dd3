import { TPMI_ALG_HASH, LIMITS } from './basic.js';
import { list, struct, u8SizedBytes } from '../codec/codec.js';

/** TPMS_PCR_SELECTION: a bank and a bitmap of PCRs (bit n of octet n/8 selects PCR n). */
export const TPMS_PCR_SELECTION = struct('TPMS_PCR_SELECTION', {
  hash: TPMI_ALG_HASH,
  pcrSelect: u8SizedBytes('TPMS_PCR_SELECTION.pcrSelect', LIMITS.PCR_SELECT_MIN, LIMITS.PCR_SELECT_MAX),
});
export type PcrSelection = { hash: number; pcrSelect: Buffer };

/** TPML_PCR_SELECTION: at most one entry per implemented hash. */
export const TPML_PCR_SELECTION = list('TPML_PCR_SELECTION', TPMS_PCR_SELECTION, LIMITS.HASH_COUNT);

/** PCR indices selected by a bitmap, ascending. */
export function selectedPcrs(bitmap: Uint8Array): number[] {
  const out: number[] = [];
  for (let octet = 0; octet < bitmap.length; octet++) {
    const b = bitmap[octet]!;
    if (b === 0) continue;
    for (let bit = 0; bit < 8; bit++) if (b & (1 << bit)) out.push(octet * 8 + bit);
  }
  return out;
}

/** A bitmap of `size` octets selecting the given PCRs. */
export function pcrBitmap(pcrs: Iterable<number>, size: number = LIMITS.PCR_SELECT_MAX): Buffer {
  const out = Buffer.alloc(size);
  for (const n of pcrs) out[n >> 3]! |= 1 << (n & 7);
  return out;
}
