import { attestationBinding, Transcript } from './transcript.js';
import { b64, decodeHandshake, encodeHandshake, HANDSHAKE, unb64, type Hello, type KeyShare } from './handshakeMessages.js';
import { deriveStreamKeys, ephemeralKeyPair, scrubStreamKeys } from '../channel/streamKeys.js';
import { SecureStream } from '../channel/secureStream.js';
import { quoteForMigration } from '../attestation/quoteForMigration.js';
import type { FramedSocket } from '../wire/framedSocket.js';
import type { VmHost } from '../vmHost.js';

export interface DestinationChannel {
  hello: Hello;
  stream: SecureStream;
  /** Overwrites the stream keys: call once the migration ended, either way. */
  scrub(): void;
}

/** Sends a refusal frame (best effort) and throws its message. */
export async function refuseMigration(socket: FramedSocket, reason: string, message: string): Promise<never> {
  await socket.send(encodeHandshake(HANDSHAKE.refusal, { reason, message })).catch(() => undefined);
  throw new Error(message);
}

/**
 * The destination's half of the handshake: reads the hello, lets `admit` refuse it (stale epoch,
 * VM already here), answers with a quote binding the source's nonce, its own ephemeral ECDH key
 * and the transcript, then derives the stream keys from the source's key share.
 */
export async function runDestinationHandshake(socket: FramedSocket, target: VmHost, timeoutMs: number, admit: (hello: Hello) => Promise<void>): Promise<DestinationChannel> {
  const transcript = new Transcript();
  const helloFrame = await socket.next(timeoutMs);
  const hello = decodeHandshake<Hello>(helloFrame, HANDSHAKE.hello);
  transcript.add(helloFrame);
  await admit(hello);

  const own = ephemeralKeyPair();
  const qualifyingData = attestationBinding(unb64(hello.nonce), own.getPublicKey(), transcript.hash());
  const attestationFrame = encodeHandshake(HANDSHAKE.attestation, { ephemeralPublicKey: b64(own.getPublicKey()), evidence: b64(await quoteForMigration(target.host, qualifyingData)) });
  transcript.add(attestationFrame);
  await socket.send(attestationFrame);
  const keyShareFrame = await socket.next(timeoutMs);
  const share = decodeHandshake<KeyShare>(keyShareFrame, HANDSHAKE.keyShare);
  transcript.add(keyShareFrame);
  const keys = deriveStreamKeys(own, unb64(share.ephemeralPublicKey), transcript.hash());
  return { hello, stream: new SecureStream(socket, keys.destinationToSource, keys.sourceToDestination, timeoutMs), scrub: () => scrubStreamKeys(keys) };
}
