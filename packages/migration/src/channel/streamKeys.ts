import { createECDH, hkdfSync, type ECDH } from 'node:crypto';

export interface StreamKeys {
  sourceToDestination: Buffer;
  destinationToSource: Buffer;
}

/** One-time P-256 key pair for one migration (forward secrecy: nothing long-term protects the stream). */
export function ephemeralKeyPair(): ECDH {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return ecdh;
}

/**
 * ECDH, then HKDF-SHA256 with the full handshake transcript as salt, one AES-256-GCM key per
 * direction (separate keys: the two sides can never reuse a nonce under the same key).
 */
export function deriveStreamKeys(own: ECDH, peerPublicKey: Buffer, transcriptHash: Buffer): StreamKeys {
  const shared = own.computeSecret(peerPublicKey);
  const derive = (label: string) => Buffer.from(hkdfSync('sha256', shared, transcriptHash, `vtpm/migration stream ${label} AES-256-GCM`, 32));
  const keys = { sourceToDestination: derive('source->destination'), destinationToSource: derive('destination->source') };
  shared.fill(0);
  return keys;
}

export function scrubStreamKeys(keys: StreamKeys): void {
  keys.sourceToDestination.fill(0);
  keys.destinationToSource.fill(0);
}
