import { createCipheriv, createDecipheriv } from 'node:crypto';

/** RFC 3394's default initial value; unwrapping checks it, which is what authenticates the key. */
const RFC3394_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

/** AES-256 key wrap (RFC 3394) of `key` (a multiple of 8 octets, at least 16) under `kek`. */
export function aesKeyWrap(kek: Uint8Array, key: Uint8Array): Buffer {
  if (key.length < 16 || key.length % 8) throw new Error(`AES key wrap takes keys of 16 or more octets in multiples of 8, not ${key.length}`);
  const c = createCipheriv('id-aes256-wrap', kek, RFC3394_IV);
  return Buffer.concat([c.update(key), c.final()]);
}

/** Unwraps; throws when the integrity check fails (wrong KEK or altered ciphertext). */
export function aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Buffer {
  const d = createDecipheriv('id-aes256-wrap', kek, RFC3394_IV);
  return Buffer.concat([d.update(wrapped), d.final()]);
}
