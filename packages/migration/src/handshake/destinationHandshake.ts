import { randomBytes } from 'node:crypto';
import { attestationBinding, Transcript } from './transcript.js';
import { b64, decodeHandshake, encodeHandshake, HANDSHAKE, ProtocolError, unb64, type Accepted, type HandshakeType, type Attestation, type Hello, type KeyShare } from './handshakeMessages.js';
import { helloProblem } from './helloCheck.js';
import { keyOutsideStream, type DestinationKeyOptions } from './destinationKeyRelease.js';
import { MigrationRefusedError, refuseMigration } from './migrationRefusal.js';
import { deriveStreamKeys, ephemeralKeyPair, keyConfirmation, scrubStreamKeys } from '../channel/streamKeys.js';
import { SecureStream, streamCodecs } from '../channel/secureStream.js';
import { quoteForMigration } from '../attestation/quoteForMigration.js';
import { verifyHostAttestation, type AttestationOutcome } from '../attestation/verifyHostAttestation.js';
import type { MigrationPolicy } from '../attestation/migrationPolicy.js';
import { authenticateChannel, type AuthenticatedPeer, type ChannelAuth } from '../auth/channelAuth.js';
import type { FramedSocket } from '../wire/framedSocket.js';
import type { VmHost } from '../vmHost.js';

export { refuseMigration, MigrationRefusedError };

export interface DestinationHandshakeOptions extends DestinationKeyOptions {
  /** How this host authenticates the source daemon (the source must use the same mode). */
  auth: ChannelAuth;
  timeoutMs: number;
  /** Mutual attestation: the source host must pass this policy too, or the migration is refused. */
  requireSourceAttestation?: MigrationPolicy;
  /** Accept a stream with encryption switched off (the benchmark baseline); refused (`encryption-required`) otherwise. */
  allowUnencryptedStream?: boolean;
  /** A daemon that already authenticated the connection and read its first frame (a hello) passes them here. */
  authenticated?: { peer: AuthenticatedPeer; helloFrame: Buffer };
}

export interface DestinationChannel {
  hello: Hello;
  /** Who the source daemon is (authenticated). */
  peer: AuthenticatedPeer;
  stream: SecureStream;
  /** The source's appraisal, when requireSourceAttestation asked for it. */
  sourceAttestation?: AttestationOutcome;
  /** The VM key when it did not come over the stream (broker mode, benchmark hook): the caller scrubs it. */
  keyOutsideStream?: Buffer;
  /** Overwrites the stream keys: call once the migration ended, either way. */
  scrub(): void;
}

/**
 * The destination's half of the handshake: authenticates the source daemon (nothing else is read
 * from an unauthenticated peer), reads the hello, lets `admit` refuse it (stale epoch, VM already
 * here), checks the stream mode and obtains the VM key itself in broker mode, answers with a quote
 * binding the source's nonce, its own ephemeral ECDH key and the transcript, appraises the
 * source's quote if required, derives the stream keys and confirms them (`accepted`).
 */
export async function runDestinationHandshake(socket: FramedSocket, target: VmHost, options: DestinationHandshakeOptions, admit: (hello: Hello) => Promise<void>): Promise<DestinationChannel> {
  const { timeoutMs } = options;
  const peer = options.authenticated?.peer ?? (await authenticateChannel(socket, options.auth, 'responder', timeoutMs));
  const transcript = new Transcript(peer.transcriptHash);
  const helloFrame = options.authenticated?.helloFrame ?? (await socket.next(timeoutMs));
  const hello = await decodeOrRefuse<Hello>(socket, helloFrame, HANDSHAKE.hello, ['vmId', 'policyId', 'nonce', 'epoch'], 'bad-hello');
  const problem = helloProblem(hello);
  if (problem) await refuseMigration(socket, 'bad-hello', `bad-hello: ${problem}`);
  transcript.add(helloFrame);
  await admit(hello);
  if (!hello.streamEncryption && !options.allowUnencryptedStream) await refuseMigration(socket, 'encryption-required', `encryption-required: ${hello.vmId} would migrate over an unencrypted stream, which this host accepts only for benchmarks (allowUnencryptedStream)`);

  let releasedKey: Buffer | undefined;
  let keys: ReturnType<typeof deriveStreamKeys> | undefined;
  try {
    releasedKey = await keyOutsideStream(hello, options).catch((e: unknown) => (e instanceof MigrationRefusedError ? refuseMigration(socket, e.reason, e.message) : Promise.reject(e)));
    const own = ephemeralKeyPair();
    const ownPublic = own.getPublicKey();
    const sourceNonce = options.requireSourceAttestation ? randomBytes(32) : undefined;
    const evidence = await quoteForMigration(target.host, attestationBinding(unb64(hello.nonce), ownPublic, transcript.hash()));
    const attestationFrame = encodeHandshake(HANDSHAKE.attestation, { ephemeralPublicKey: b64(ownPublic), evidence: b64(evidence), ...(sourceNonce ? { sourceNonce: b64(sourceNonce) } : {}) } satisfies Attestation);
    transcript.add(attestationFrame);
    await socket.send(attestationFrame);

    const keyShareFrame = await socket.next(timeoutMs);
    const share = await decodeOrRefuse<KeyShare>(socket, keyShareFrame, HANDSHAKE.keyShare, ['ephemeralPublicKey'], 'bad-key-share');
    const sourcePublic = unb64(share.ephemeralPublicKey);
    let sourceAttestation: AttestationOutcome | undefined;
    if (options.requireSourceAttestation) {
      if (typeof share.evidence !== 'string') await refuseMigration(socket, 'source-attestation-failed', `source-attestation-failed: this host requires the source's attestation and ${hello.vmId}'s source sent none`);
      sourceAttestation = verifyHostAttestation(unb64(share.evidence!), attestationBinding(sourceNonce!, sourcePublic, transcript.hash()), options.requireSourceAttestation, 'source');
      if (!sourceAttestation.ok) await refuseMigration(socket, 'source-attestation-failed', `source-attestation-failed: ${sourceAttestation.message}`);
    }
    transcript.add(keyShareFrame);
    try {
      keys = deriveStreamKeys(own, sourcePublic, transcript.hash(), peer.keyMaterial);
    } catch {
      await refuseMigration(socket, 'bad-key-share', 'bad-key-share: the source\'s ephemeral public key is not a P-256 point');
    }
    await socket.send(encodeHandshake(HANDSHAKE.accepted, { confirmation: b64(keyConfirmation(keys!, transcript.hash())) } satisfies Accepted));
    const k = keys!;
    return {
      hello, peer, sourceAttestation, keyOutsideStream: releasedKey,
      stream: new SecureStream(socket, streamCodecs(k, 'destination', hello.streamEncryption), timeoutMs),
      scrub: () => scrubStreamKeys(k),
    };
  } catch (e) {
    releasedKey?.fill(0);
    if (keys) scrubStreamKeys(keys);
    throw e;
  }
}

/** A frame from the source decoded, or, when it is malformed, refused as `reason` so the source learns what was wrong (a refusal from it passes through as PeerRefusedError). */
async function decodeOrRefuse<T>(socket: FramedSocket, frame: Buffer, type: HandshakeType, required: readonly (keyof T & string)[], reason: string): Promise<T> {
  try {
    return decodeHandshake<T>(frame, type, required);
  } catch (e) {
    if (e instanceof ProtocolError) await refuseMigration(socket, reason, `${reason}: ${e.message}`);
    throw e;
  }
}
