/** Every encoding of `key` a careless implementation might write: raw, hex (both cases), base64, and any 16-octet window of it. */
export function keyFootprints(key: Buffer): Buffer[] {
  const windows = [];
  for (let i = 0; i + 16 <= key.length; i += 8) windows.push(key.subarray(i, i + 16));
  return [key, Buffer.from(key.toString('hex')), Buffer.from(key.toString('hex').toUpperCase()), Buffer.from(key.toString('base64')), ...windows];
}

/** True when any footprint of `key` occurs in `haystack`. */
export function containsKey(haystack: Buffer, key: Buffer): boolean {
  return keyFootprints(key).some((f) => haystack.includes(f));
}
