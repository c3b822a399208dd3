import { createECDH, createHmac, hkdfSync, timingSafeEqual, type ECDH } from 'node:crypto';

export interface StreamKeys {
  sourceToDestination: Buffer;
  destinationToSource: Buffer;
  /** Keys the destination's `accepted` MAC: proves it derived the same keys before the source sends anything. */
  confirmation: Buffer;
}

/** One-time P-256 key pair for one migration (forward secrecy: nothing long-term protects the stream). */
export function ephemeralKeyPair(): ECDH {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return ecdh;
}

/**
 * ECDH, then HKDF-SHA256 with the full handshake transcript as salt, one AES-256-GCM key per
 * direction (separate keys: the two sides can never reuse a nonce under the same key). The
 * channel authentication's key material (the PSK's share, empty otherwise) joins the ECDH secret
 * in the input keying material, so without the PSK a man in the middle derives nothing.
 */
export function deriveStreamKeys(own: ECDH, peerPublicKey: Buffer, transcriptHash: Buffer, authKeyMaterial: Buffer = Buffer.alloc(0)): StreamKeys {
  const ikm = Buffer.concat([own.computeSecret(peerPublicKey), authKeyMaterial]);
  const derive = (label: string) => Buffer.from(hkdfSync('sha256', ikm, transcriptHash, `vtpm/migration stream ${label}`, 32));
  const keys = {
    sourceToDestination: derive('source->destination AES-256-GCM'),
    destinationToSource: derive('destination->source AES-256-GCM'),
    confirmation: derive('key confirmation HMAC-SHA256'),
  };
  ikm.fill(0);
  return keys;
}

/** The destination's key confirmation over the complete handshake transcript. */
export function keyConfirmation(keys: StreamKeys, transcriptHash: Buffer): Buffer {
  return createHmac('sha256', keys.confirmation).update('vtpm/migration accepted').update(transcriptHash).digest();
}

export function checkKeyConfirmation(keys: StreamKeys, transcriptHash: Buffer, received: Buffer): boolean {
  const expected = keyConfirmation(keys, transcriptHash);
  return received.length === expected.length && timingSafeEqual(received, expected);
}

export function scrubStreamKeys(keys: StreamKeys): void {
  keys.sourceToDestination.fill(0);
  keys.destinationToSource.fill(0);
  keys.confirmation.fill(0);
}
