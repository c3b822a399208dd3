import type { LeReader } from './leReader.js';
import type { LeWriter } from './leWriter.js';

/**
 * UINTN in UEFI structures: UINT32 or UINT64 as the firmware was built. The Spec ID event's
 * uintnSize says which (1 = UINT32, 2 = UINT64); a SHA-1 log does not say, and 64-bit is assumed.
 */
export type UintnBytes = 4 | 8;

export function uintnBytes(uintnSize: number | undefined): UintnBytes {
  return uintnSize === 1 ? 4 : 8;
}

export function readUintn(r: LeReader, bytes: UintnBytes): bigint {
  return bytes === 8 ? r.u64() : BigInt(r.u32());
}

export function writeUintn(w: LeWriter, bytes: UintnBytes, v: bigint | number): void {
  if (bytes === 8) w.u64(v);
  else w.u32(Number(v));
}

/** A UINTN length or count that must fit in what is left of the reader. */
export function readUintnLength(r: LeReader, bytes: UintnBytes, what: string, unitSize = 1): number {
  return bytes === 8 ? r.u64Length(what, unitSize) : r.u32Length(what, unitSize);
}
