import type { WrappedKey } from '../crypto/keyWrapToEphemeral.js';
import type { ReleaseRefusalReason } from './releaseRefusal.js';

/** Host -> broker: I want this VM's key. */
export interface ChallengeRequest {
  vmId: string;
  hostId: string;
}

/** Broker -> host: quote these PCRs with qualifyingData = SHA-256(nonce || your ephemeral public key) before expiresAt. */
export interface Challenge {
  nonceId: string;
  nonce: Buffer;
  vmId: string;
  expiresAt: number;
  /** bank name -> PCRs, as in the release policy. */
  pcrs: Record<string, number[]>;
  policyVersion: number;
}

/** Host -> broker: evidence for a challenge. */
export interface ReleaseRequest {
  nonceId: string;
  vmId: string;
  hostId: string;
  /** SEC1 uncompressed P-256 point; the key comes back wrapped to it. */
  ephemeralPublicKey: Buffer;
  /** @vtpm/attest evidence bundle (CBOR). */
  evidence: Buffer;
}

/** Broker -> host on success. */
export interface ReleaseGranted {
  vmId: string;
  keyVersion: number;
  policyVersion: number;
  wrappedKey: WrappedKey;
  /** Signed EAR (COSE_Sign1) when the broker has a verifier key. */
  attestationResult?: Buffer;
}

/** Broker -> host on refusal (HTTP 403, 429 or 400). */
export interface ReleaseDenied {
  reason: ReleaseRefusalReason;
  message: string;
  verifierReason: string | null;
}
