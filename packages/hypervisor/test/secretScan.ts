import { closeSync, openSync, readSync } from 'node:fs';

/** Whether `needle` occurs in the file, read in 16 MiB chunks overlapping by the needle's length. */
export function fileContains(path: string, needle: Buffer): boolean {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(16 << 20);
    let carry = 0;
    for (;;) {
      const n = readSync(fd, chunk, carry, chunk.length - carry, null);
      if (n === 0) return false;
      const total = carry + n;
      if (chunk.subarray(0, total).indexOf(needle) >= 0) return true;
      carry = Math.min(needle.length - 1, total);
      chunk.copy(chunk, 0, total - carry, total); // a match may straddle two reads
    }
  } finally {
    closeSync(fd);
  }
}

/** Printable random bytes made without a JS string ever holding them (strings live in the V8 heap). */
export function printableSecret(length = 48): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = 0x61 + Math.floor(Math.random() * 26);
  return b;
}
