import { randomBytes } from 'node:crypto';
import { attestationBinding, Transcript } from './transcript.js';
import { b64, decodeHandshake, encodeHandshake, HANDSHAKE, ProtocolError, unb64, type Accepted, type Attestation, type Hello, type KeyShare } from './handshakeMessages.js';
import { checkKeyConfirmation, deriveStreamKeys, ephemeralKeyPair, scrubStreamKeys } from '../channel/streamKeys.js';
import { SecureStream, streamCodecs } from '../channel/secureStream.js';
import { verifyHostAttestation, type AttestationOutcome } from '../attestation/verifyHostAttestation.js';
import type { MigrationPolicy } from '../attestation/migrationPolicy.js';
import { authenticateChannel, type AuthenticatedPeer, type ChannelAuth } from '../auth/channelAuth.js';
import type { FramedSocket } from '../wire/framedSocket.js';

export interface SourceHandshakeInput {
  /** How this host authenticates the destination daemon. */
  auth: ChannelAuth;
  hello: Omit<Hello, 'nonce'>;
  policy: MigrationPolicy;
  timeoutMs: number;
  /** Quotes this (source) host over `qualifyingData`, for a destination that requires mutual attestation. */
  attestSelf?: (qualifyingData: Buffer) => Promise<Buffer>;
  /** Called once the destination daemon authenticated. */
  onAuthenticated?: (peer: AuthenticatedPeer) => void;
  /** Called with the appraisal as soon as it exists (also when it fails). */
  onAttestation?: (outcome: AttestationOutcome) => void;
}

export interface SourceChannel {
  stream: SecureStream;
  peer: AuthenticatedPeer;
  attestation: AttestationOutcome;
  /** Overwrites the stream keys: call once the migration ended, either way. */
  scrub(): void;
}

/**
 * The source's half of the handshake: channel authentication, hello, the destination's
 * attestation appraised against the VM's policy (a failure is sent back as a refusal and thrown),
 * the key share (with this host's own quote when the destination asked for it), then the
 * destination's key confirmation. Nothing secret has been sent when it returns.
 */
export async function runSourceHandshake(socket: FramedSocket, input: SourceHandshakeInput): Promise<SourceChannel> {
  const peer = await authenticateChannel(socket, input.auth, 'initiator', input.timeoutMs);
  input.onAuthenticated?.(peer);
  const transcript = new Transcript(peer.transcriptHash);
  const nonce = randomBytes(32);
  const helloFrame = encodeHandshake(HANDSHAKE.hello, { ...input.hello, nonce: b64(nonce) } satisfies Hello);
  transcript.add(helloFrame);
  await socket.send(helloFrame);

  const attestationFrame = await socket.next(input.timeoutMs);
  const att = decodeHandshake<Attestation>(attestationFrame, HANDSHAKE.attestation, ['ephemeralPublicKey', 'evidence']);
  const destinationKey = unb64(att.ephemeralPublicKey);
  const attestation = verifyHostAttestation(unb64(att.evidence), attestationBinding(nonce, destinationKey, transcript.hash()), input.policy, 'destination');
  input.onAttestation?.(attestation);
  if (!attestation.ok) {
    await socket.send(encodeHandshake(HANDSHAKE.refusal, { reason: attestation.reason, message: attestation.message })).catch(() => undefined);
    throw new Error(attestation.message);
  }
  transcript.add(attestationFrame);
  const own = ephemeralKeyPair();
  const ownPublic = own.getPublicKey();
  let evidence: Buffer | undefined;
  if (typeof att.sourceNonce === 'string' && input.attestSelf) evidence = await input.attestSelf(attestationBinding(unb64(att.sourceNonce), ownPublic, transcript.hash()));
  const keyShareFrame = encodeHandshake(HANDSHAKE.keyShare, { ephemeralPublicKey: b64(ownPublic), ...(evidence ? { evidence: b64(evidence) } : {}) } satisfies KeyShare);
  transcript.add(keyShareFrame);
  await socket.send(keyShareFrame);
  let keys;
  try {
    keys = deriveStreamKeys(own, destinationKey, transcript.hash(), peer.keyMaterial);
  } catch {
    throw new ProtocolError('the destination\'s ephemeral public key is not a P-256 point');
  }
  const accepted = decodeHandshake<Accepted>(await socket.next(input.timeoutMs), HANDSHAKE.accepted, ['confirmation']).confirmation;
  if (!checkKeyConfirmation(keys, transcript.hash(), unb64(accepted))) {
    scrubStreamKeys(keys);
    throw new ProtocolError('key confirmation failed: the destination derived other stream keys (a tampered handshake or a different pre-shared key)');
  }
  const k = keys;
  return { stream: new SecureStream(socket, streamCodecs(k, 'source', input.hello.streamEncryption), input.timeoutMs), peer, attestation, scrub: () => scrubStreamKeys(k) };
}
