import { createHash } from 'node:crypto';

/**
 * The quote's qualifyingData: SHA-256(nonce || host ephemeral public key). It makes the quote
 * fresh (the nonce) and ties it to the key the released VM key will be wrapped to, so a
 * quote cannot be reused to obtain a key wrapped for someone else.
 */
export function evidenceBinding(nonce: Uint8Array, hostPublicKey: Uint8Array): Buffer {
  return createHash('sha256').update(nonce).update(hostPublicKey).digest();
}
