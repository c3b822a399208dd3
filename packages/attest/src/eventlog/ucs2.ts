/** CHAR16 text (UCS-2, little-endian) as UEFI writes it; with the terminating NUL when `nul`. */
export function ucs2(text: string, nul = true): Buffer {
  return Buffer.from(nul ? `${text}\0` : text, 'utf16le');
}

/** CHAR16 text up to its first NUL (or the end). */
export function fromUcs2(b: Buffer): string {
  const s = b.subarray(0, b.length & ~1).toString('utf16le');
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}
