/**
 * The plaintext handshake before any secret moves. Each message is one frame: a type byte, then
 * JSON (binary fields base64). Every frame goes into the transcript hash, so the attestation and
 * the stream keys are bound to exactly the hello and key shares both sides saw.
 */
export const HANDSHAKE = {
  hello: 1,
  attestation: 2,
  keyShare: 3,
  refusal: 4,
  /** On an authenticated daemon connection instead of hello: a question about an in-doubt migration. */
  resolve: 5,
  /** The answer to resolve. */
  resolution: 6,
  /** Channel authentication (src/auth): each side's mode, name, nonce and certificate ... */
  authHello: 7,
  /** ... then each side's proof over the authentication transcript (HMAC or signature). */
  authProof: 8,
  /** The destination's last handshake frame: it accepted the key share (and the source's attestation) and proves it holds the same keys. */
  accepted: 9,
} as const;

export type KeyRelease = 'stream' | 'broker';

export interface Hello {
  vmId: string;
  policyId: string;
  /** nonce_s: the source's fresh 32 octets. */
  nonce: string;
  /** The VM's migration epoch after the source's increment: the destination refuses an epoch not newer than the last it accepted. */
  epoch: string;
  config: { vmId: string; memoryPages: number; mode: 'xts' | 'gcm'; vcpus: number };
  /** 'stream': the source sends the VM key under the stream key; 'broker': the destination fetches it from the key broker, the source never sends it. */
  keyRelease: KeyRelease;
  /** false only for the benchmark baseline: records travel in clear (the destination must allow it). */
  streamEncryption: boolean;
}

export interface Attestation {
  /** ephPub_d: the destination's ephemeral P-256 public key (uncompressed point). */
  ephemeralPublicKey: string;
  /** @vtpm/attest CBOR evidence: quote with qualifyingData = H(nonce_s || ephPub_d || transcript), PCRs, AK public, event log. */
  evidence: string;
  /** nonce_d, present when the destination requires the source's attestation too. */
  sourceNonce?: string;
}

export interface KeyShare {
  ephemeralPublicKey: string;
  /** The source's evidence when the destination asked for it: qualifyingData = H(nonce_d || ephPub_s || transcript). */
  evidence?: string;
}

/** Key confirmation: HMAC under a key derived with the stream keys, over the whole handshake transcript. */
export interface Accepted {
  confirmation: string;
}

export interface AuthHello {
  mode: 'none' | 'psk' | 'certificate';
  /** The name this side gives itself (a certificate's name wins over it). */
  identity: string;
  nonce: string;
  /** DER X.509 host certificate, base64, in certificate mode. */
  certificate?: string;
}

export interface AuthProof {
  /** HMAC-SHA256 (psk) or ECDSA P-256 SHA-256 signature (certificate) over the authentication transcript. */
  proof: string;
}

export interface Resolve {
  vmId: string;
  epoch: string;
  question: 'outcome' | 'status';
}

export interface Resolution {
  vmId: string;
  epoch: string;
  answer: string;
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

function parseBody(frame: Buffer, what: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(frame.subarray(1).toString());
  } catch {
    throw new ProtocolError(`handshake message ${what} is not JSON`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ProtocolError(`handshake message ${what} is not a JSON object`);
  return body as Record<string, unknown>;
}

/**
 * The body of a frame of the expected type, with `required` fields present as strings; a refusal
 * from the peer becomes PeerRefusedError. Anything else malformed is a ProtocolError naming it.
 */
export function decodeHandshake<T>(frame: Buffer, expected: HandshakeType, required: readonly (keyof T & string)[] = []): T {
  if (frame.length === 0) throw new ProtocolError(`expected handshake message ${expected}, got an empty frame`);
  if (frame[0] === HANDSHAKE.refusal) {
    const r = parseBody(frame, 'refusal');
    const reason = typeof r.reason === 'string' ? r.reason : 'unknown';
    throw new PeerRefusedError(reason, `peer refused: ${typeof r.message === 'string' ? r.message : reason}`);
  }
  if (frame[0] !== expected) throw new ProtocolError(`expected handshake message ${expected}, got ${frame[0]}`);
  const body = parseBody(frame, String(expected));
  for (const field of required) if (typeof body[field] !== 'string') throw new ProtocolError(`handshake message ${expected} lacks the string field ${field}`);
  return body as T;
}

export const b64 = (b: Buffer) => b.toString('base64');
export const unb64 = (s: string) => Buffer.from(s, 'base64');
