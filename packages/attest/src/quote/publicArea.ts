import { TPM2B_PUBLIC, TPMT_PUBLIC, type TpmtPublic } from '@vtpm/tpm';
import { parseTpmBytes } from './tpmBytes.js';

/** A public area as callers hold it: parsed, or the bytes of a TPMT_PUBLIC or TPM2B_PUBLIC. */
export type PublicAreaInput = TpmtPublic | Uint8Array;

/**
 * The TPMT_PUBLIC in `input`. Bytes whose first two octets equal the remaining length are a
 * TPM2B_PUBLIC (tpm2-tools' default `-u` output); anything else is read as a bare TPMT_PUBLIC
 * (`-f tpmt`, ReadPublic's inner structure). No TPMT_PUBLIC of a usable key is ambiguous: its
 * type (0x0001 or 0x0023) never equals its own length minus two.
 */
export function readPublicArea(input: PublicAreaInput, what = 'public area'): TpmtPublic {
  if (!(input instanceof Uint8Array)) return input;
  const bytes = Buffer.from(input);
  const isSized = bytes.length >= 2 && bytes.readUInt16BE(0) === bytes.length - 2;
  return isSized ? parseTpmBytes(TPM2B_PUBLIC, bytes, what) : (parseTpmBytes(TPMT_PUBLIC, bytes, what) as TpmtPublic);
}
