import { digestSize } from '../crypto/hashAlgorithms.js';
import { kdfa } from '../crypto/kdf.js';

/**
 * sessionKey = KDFa(authHash, bind.authValue || salt, "ATH", nonceTPM, nonceCaller, digest bits)
 * (Part 1, 19.6.8). Only bound or salted sessions have one; the others' key is empty.
 */
export function sessionKey(authHash: number, bindAuth: Buffer, salt: Buffer, nonceTPM: Buffer, nonceCaller: Buffer): Buffer {
  return kdfa(authHash, Buffer.concat([bindAuth, salt]), 'ATH', nonceTPM, nonceCaller, digestSize(authHash) * 8);
}
