/**
 * The plaintext handshake before any secret moves. Each message is one frame: a type byte, then
 * JSON (binary fields base64). Every frame goes into the transcript hash, so the attestation and
 * the stream keys are bound to exactly the hello and key shares both sides saw.
 */
export const HANDSHAKE = { hello: 1, attestation: 2, keyShare: 3, refusal: 4 } as const;

export interface Hello {
  vmId: string;
  policyId: string;
  /** nonce_s: the source's fresh 32 octets. */
  nonce: string;
  /** The VM's migration epoch after the source's increment: the destination refuses an epoch not newer than the last it accepted. */
  epoch: string;
  config: { vmId: string; memoryPages: number; mode: 'xts' | 'gcm'; vcpus: number };
}

export interface Attestation {
  /** ephPub_d: the destination's ephemeral P-256 public key (uncompressed point). */
  ephemeralPublicKey: string;
  /** @vtpm/attest CBOR evidence: quote with qualifyingData = H(nonce_s || ephPub_d || transcript), PCRs, AK public, event log. */
  evidence: string;
}

export interface KeyShare {
  ephemeralPublicKey: string;
}

export interface Refusal {
  reason: string;
  message: string;
}

export type HandshakeType = (typeof HANDSHAKE)[keyof typeof HANDSHAKE];

export function encodeHandshake(type: HandshakeType, body: object): Buffer {
  return Buffer.concat([Buffer.from([type]), Buffer.from(JSON.stringify(body))]);
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

export class PeerRefusedError extends Error {
  override name = 'PeerRefusedError';
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

/** The body of a frame of the expected type; a refusal from the peer becomes PeerRefusedError. */
export function decodeHandshake<T>(frame: Buffer, expected: HandshakeType): T {
  if (frame[0] === HANDSHAKE.refusal) {
    const r = JSON.parse(frame.subarray(1).toString()) as Refusal;
    throw new PeerRefusedError(r.reason, `peer refused: ${r.message}`);
  }
  if (frame[0] !== expected) throw new ProtocolError(`expected handshake message ${expected}, got ${frame[0]}`);
  try {
    return JSON.parse(frame.subarray(1).toString()) as T;
  } catch {
    throw new ProtocolError(`handshake message ${expected} is not JSON`);
  }
}

export const b64 = (b: Buffer) => b.toString('base64');
export const unb64 = (s: string) => Buffer.from(s, 'base64');
