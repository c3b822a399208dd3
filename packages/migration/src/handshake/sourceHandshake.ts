import { randomBytes } from 'node:crypto';
import { attestationBinding, Transcript } from './transcript.js';
import { b64, decodeHandshake, encodeHandshake, HANDSHAKE, unb64, type Attestation, type Hello } from './handshakeMessages.js';
import { deriveStreamKeys, ephemeralKeyPair, scrubStreamKeys } from '../channel/streamKeys.js';
import { SecureStream } from '../channel/secureStream.js';
import { verifyDestination, type AttestationOutcome } from '../attestation/verifyDestination.js';
import type { MigrationPolicy } from '../attestation/migrationPolicy.js';
import type { FramedSocket } from '../wire/framedSocket.js';

export interface SourceHandshakeInput {
  hello: Omit<Hello, 'nonce'>;
  policy: MigrationPolicy;
  timeoutMs: number;
  /** Called with the appraisal as soon as it exists (also when it fails). */
  onAttestation?: (outcome: AttestationOutcome) => void;
}

export interface SourceChannel {
  stream: SecureStream;
  attestation: AttestationOutcome;
  /** Overwrites the stream keys: call once the migration ended, either way. */
  scrub(): void;
}

/**
 * The source's half of the handshake: hello, the destination's attestation appraised against the
 * VM's policy (a failure is sent back as a refusal and thrown), then the key share. Returns the
 * established stream; nothing secret has been sent when it returns.
 */
export async function runSourceHandshake(socket: FramedSocket, input: SourceHandshakeInput): Promise<SourceChannel> {
  const transcript = new Transcript();
  const nonce = randomBytes(32);
  const helloFrame = encodeHandshake(HANDSHAKE.hello, { ...input.hello, nonce: b64(nonce) });
  transcript.add(helloFrame);
  await socket.send(helloFrame);

  const attestationFrame = await socket.next(input.timeoutMs);
  const att = decodeHandshake<Attestation>(attestationFrame, HANDSHAKE.attestation);
  const destinationKey = unb64(att.ephemeralPublicKey);
  const attestation = verifyDestination(unb64(att.evidence), attestationBinding(nonce, destinationKey, transcript.hash()), input.policy);
  input.onAttestation?.(attestation);
  if (!attestation.ok) {
    await socket.send(encodeHandshake(HANDSHAKE.refusal, { reason: attestation.reason, message: attestation.message })).catch(() => undefined);
    throw new Error(attestation.message);
  }
  transcript.add(attestationFrame);
  const own = ephemeralKeyPair();
  const keyShareFrame = encodeHandshake(HANDSHAKE.keyShare, { ephemeralPublicKey: b64(own.getPublicKey()) });
  transcript.add(keyShareFrame);
  await socket.send(keyShareFrame);
  const keys = deriveStreamKeys(own, destinationKey, transcript.hash());
  return { stream: new SecureStream(socket, keys.sourceToDestination, keys.destinationToSource, input.timeoutMs), attestation, scrub: () => scrubStreamKeys(keys) };
}
