import { p256 } from '@noble/curves/nist.js';

/** A P-256 key pair used once: the host makes one per key request, the broker one per release. */
export interface EphemeralKeyPair {
  /** 32-octet scalar. */
  privateKey: Uint8Array;
  /** SEC1 uncompressed point (65 octets, 0x04 || x || y). */
  publicKey: Buffer;
}

export function generateEphemeralKey(): EphemeralKeyPair {
  const privateKey = p256.utils.randomSecretKey();
  return { privateKey, publicKey: Buffer.from(p256.getPublicKey(privateKey, false)) };
}

/** Throws unless `publicKey` is a valid uncompressed P-256 point (off-curve points leak the scalar). */
export function checkP256PublicKey(publicKey: Uint8Array): void {
  if (publicKey.length !== 65 || publicKey[0] !== 0x04) throw new Error('the ephemeral public key is not an uncompressed SEC1 P-256 point (65 octets starting 0x04)');
  p256.Point.fromBytes(publicKey).assertValidity();
}

/** ECDH shared secret Z: the x coordinate of privateKey·publicKey (SP 800-56A). */
export function ecdhSharedSecret(privateKey: Uint8Array, publicKey: Uint8Array): Buffer {
  checkP256PublicKey(publicKey);
  return Buffer.from(p256.getSharedSecret(privateKey, publicKey, true).subarray(1));
}
