/**
 * Text in event data. Firmware writes ASCII (EV_EFI_ACTION, GRUB's EV_IPL), others UTF-16LE
 * (EV_S_CRTM_VERSION, systemd-boot's EV_IPL), mostly NUL-terminated; the type does not say which,
 * so the bytes decide.
 */

/** Printable ASCII plus tab/newline, optionally NUL-terminated (or NUL-padded). */
export function asciiText(b: Buffer): string | undefined {
  const end = trimNuls(b, 1);
  if (end === 0) return b.length === 0 ? '' : undefined;
  for (let i = 0; i < end; i++) {
    const c = b[i]!;
    if (!((c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d)) return undefined;
  }
  return b.toString('latin1', 0, end);
}

/**
 * UTF-16LE whose characters are all printable Latin-1, optionally NUL-terminated. Wider Unicode
 * is not accepted: 16 random bytes (a GUID) too often look like CJK text.
 */
export function utf16Text(b: Buffer): string | undefined {
  // An odd length with a final NUL byte occurs (systemd-boot's EV_IPL); any other odd length is not UTF-16.
  if (b.length % 2 === 1 && b[b.length - 1] !== 0) return undefined;
  const end = trimNuls(b.subarray(0, b.length & ~1), 2);
  if (end === 0) return undefined;
  const s = b.toString('utf16le', 0, end);
  return /^[\t\n\r\x20-\x7e\xa0-\xff]+$/.test(s) ? s : undefined;
}

/** ASCII, else UTF-16LE, else undefined. */
export function eventText(b: Buffer): string | undefined {
  return asciiText(b) ?? utf16Text(b);
}

/** Length without trailing NUL units of `unit` bytes. */
function trimNuls(b: Buffer, unit: 1 | 2): number {
  let end = b.length - (b.length % unit);
  while (end >= unit && (unit === 1 ? b[end - 1] === 0 : b[end - 1] === 0 && b[end - 2] === 0)) end -= unit;
  return end;
}
