import { randomBytes, type KeyObject } from 'node:crypto';
import { Transcript } from '../handshake/transcript.js';
import { b64, decodeHandshake, encodeHandshake, HANDSHAKE, PeerRefusedError, ProtocolError, unb64, type AuthHello, type AuthProof } from '../handshake/handshakeMessages.js';
import type { FramedSocket } from '../wire/framedSocket.js';
import { ChannelAuthError } from './channelAuthError.js';
import { authMethodFor } from './authMethod.js';

/** Both sides explicitly without authentication: tests and demos only. */
export interface NoChannelAuth {
  none: true;
}

/** A pre-shared key (≥ 32 octets) both daemons hold; `identity` is the name this side claims. */
export interface PskChannelAuth {
  psk: Buffer;
  identity: string;
  /** Refuse a peer claiming another name (any PSK holder can claim any name: a consistency check, not an identity proof). */
  expectedPeer?: string;
}

/** A host certificate from the operator CA (DER), its P-256 private key, and the operator CA to check the peer against. */
export interface CertificateChannelAuth {
  certificate: Buffer;
  privateKey: KeyObject;
  trustedCa: Buffer;
  /** The name this side gives itself when the certificate names several; informational. */
  identity?: string;
  /** The host name the peer's certificate must carry (CN or subjectAltName dNSName): the host a daemon dialed. */
  expectedPeer?: string;
}

export type ChannelAuth = NoChannelAuth | PskChannelAuth | CertificateChannelAuth;
export type ChannelRole = 'initiator' | 'responder';

export interface AuthenticatedPeer {
  /** The peer's name: from its certificate, its claim under the PSK, or 'anonymous'. */
  identity: string;
  mode: AuthHello['mode'];
  /** SHA-256 over every authentication frame: what follows on the connection chains to it. */
  transcriptHash: Buffer;
  /** A secret only PSK holders can derive, to mix into the stream-key HKDF; empty for none and certificates. */
  keyMaterial: Buffer;
}

/** Sends an auth-failed refusal (best effort) and returns the error to throw. */
async function refuseAuth(socket: FramedSocket, message: string): Promise<ChannelAuthError> {
  await socket.send(encodeHandshake(HANDSHAKE.refusal, { reason: 'auth-failed', message })).catch(() => undefined);
  return new ChannelAuthError(message);
}

/**
 * The first step on any daemon-to-daemon connection. Both sides exchange authHello (mode, name,
 * nonce, certificate), then the initiator proves itself over the transcript, and only after the
 * responder checked that proof does the responder prove itself. A mismatch of modes, an untrusted
 * certificate or a wrong proof ends the connection with an `auth-failed` refusal on both sides,
 * before anything else is said. Whatever runs next on the socket chains its transcript to the
 * returned `transcriptHash`.
 */
export async function authenticateChannel(socket: FramedSocket, auth: ChannelAuth, role: ChannelRole, timeoutMs: number): Promise<AuthenticatedPeer> {
  const method = authMethodFor(auth);
  const transcript = new Transcript();
  const ownHello = encodeHandshake(HANDSHAKE.authHello, { mode: method.mode, identity: method.identity, nonce: b64(randomBytes(32)), ...method.helloFields() } satisfies AuthHello);
  const peerRole: ChannelRole = role === 'initiator' ? 'responder' : 'initiator';
  const receive = async <T>(type: typeof HANDSHAKE.authHello | typeof HANDSHAKE.authProof, required: (keyof T & string)[]) => {
    const frame = await socket.next(timeoutMs);
    try {
      return { frame, body: decodeHandshake<T>(frame, type, required) };
    } catch (e) {
      if (e instanceof PeerRefusedError) throw new ChannelAuthError(`the peer refused authentication: ${e.message.replace(/^peer refused: /, '')}`);
      if (e instanceof ProtocolError) throw await refuseAuth(socket, `auth-failed: malformed authentication message from the peer: ${e.message}`);
      throw e;
    }
  };
  const appraiseHello = async (body: AuthHello): Promise<string> => {
    if (body.mode !== method.mode) throw await refuseAuth(socket, `auth-failed: the ${role} uses ${method.mode} authentication, the ${peerRole} offered ${body.mode}; configure both daemons alike`);
    try {
      return method.checkPeerHello(body);
    } catch (e) {
      throw await refuseAuth(socket, (e as Error).message);
    }
  };
  const prove = async () => {
    const proof = encodeHandshake(HANDSHAKE.authProof, { proof: b64(method.prove(role, transcript.hash())) } satisfies AuthProof);
    transcript.add(proof);
    await socket.send(proof);
  };
  const checkProof = async () => {
    const { frame, body } = await receive<AuthProof>(HANDSHAKE.authProof, ['proof']);
    if (!method.verify(peerRole, transcript.hash(), unb64(body.proof))) throw await refuseAuth(socket, `auth-failed: ${method.proofFailure(peerRole)}`);
    transcript.add(frame);
  };

  let peerName: string;
  if (role === 'initiator') {
    transcript.add(ownHello);
    await socket.send(ownHello);
    const peer = await receive<AuthHello>(HANDSHAKE.authHello, ['mode', 'identity', 'nonce']);
    peerName = await appraiseHello(peer.body);
    transcript.add(peer.frame);
    if (method.proves) {
      await prove();
      await checkProof();
    }
  } else {
    const peer = await receive<AuthHello>(HANDSHAKE.authHello, ['mode', 'identity', 'nonce']);
    peerName = await appraiseHello(peer.body);
    transcript.add(peer.frame);
    transcript.add(ownHello);
    await socket.send(ownHello);
    if (method.proves) {
      await checkProof(); // the initiator's proof first: the responder says nothing more to an unproven peer
      await prove();
    }
  }
  const transcriptHash = transcript.hash();
  return { identity: peerName, mode: method.mode, transcriptHash, keyMaterial: method.keyMaterial(transcriptHash) };
}
