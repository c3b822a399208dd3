import type { KeyObject } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { refuse } from '../refusal.js';

/** The verifier's ES256 (P-256) signing key for attestation results. */
export interface VerifierKeyPair {
  /** 32-octet scalar. */
  privateKey: Uint8Array;
  /** SEC1 uncompressed point (65 octets), what relying parties configure. */
  publicKey: Uint8Array;
}

export function generateVerifierKey(): VerifierKeyPair {
  const privateKey = p256.utils.randomSecretKey();
  return { privateKey, publicKey: p256.getPublicKey(privateKey, false) };
}

/** A relying party's copy of the verifier key: SEC1 octets, or a node:crypto P-256 public key. */
export type VerifierPublicKey = Uint8Array | KeyObject;

/** SEC1 octets of the key, refusing anything that is not a P-256 public key. */
export function verifierPublicKeyBytes(key: VerifierPublicKey): Uint8Array {
  if (key instanceof Uint8Array) return key;
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) refuse('result-signature-invalid', 'the verifier public key is not a P-256 key (ES256)');
  return Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
}
