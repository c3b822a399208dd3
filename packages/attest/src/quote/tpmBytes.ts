import { unmarshal, type Codec } from '@vtpm/tpm';
import { refuse } from '../refusal.js';

/**
 * Unmarshals untrusted bytes with the TPM package's codec; anything that does not parse (short,
 * trailing bytes, a value outside its interface type) is refused as malformed evidence naming `what`.
 */
export function parseTpmBytes<T>(codec: Codec<T>, bytes: Uint8Array, what: string): T {
  try {
    // No copy of the input: the codec's Reader copies every octet string it returns.
    return unmarshal(codec, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    return refuse('malformed-evidence', `${what} is not a valid ${codec.name} (${e instanceof Error ? e.message : String(e)})`);
  }
}
