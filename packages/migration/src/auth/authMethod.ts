import type { AuthHello } from '../handshake/handshakeMessages.js';
import type { ChannelAuth, ChannelRole } from './channelAuth.js';
import { certificateAuthMethod } from './certificateAuthMethod.js';
import { pskAuthMethod } from './pskAuthMethod.js';

/** What one authentication mode contributes to authenticateChannel. */
export interface AuthMethod {
  mode: AuthHello['mode'];
  identity: string;
  /** Whether the sides exchange proofs (every mode but none). */
  proves: boolean;
  helloFields(): Partial<AuthHello>;
  /** Checks the peer's hello (its certificate, its claimed name); returns the peer's name or throws a message naming what is wrong. */
  checkPeerHello(hello: AuthHello): string;
  prove(role: ChannelRole, transcriptHash: Buffer): Buffer;
  verify(role: ChannelRole, transcriptHash: Buffer, proof: Buffer): boolean;
  /** The message for a proof that does not verify. */
  proofFailure(role: ChannelRole): string;
  keyMaterial(transcriptHash: Buffer): Buffer;
}

const noAuthMethod: AuthMethod = {
  mode: 'none',
  identity: 'anonymous',
  proves: false,
  helloFields: () => ({}),
  checkPeerHello: () => 'anonymous',
  prove: () => Buffer.alloc(0),
  verify: () => true,
  proofFailure: () => 'no proof expected',
  keyMaterial: () => Buffer.alloc(0),
};

/** The method for a configuration; a missing or ambiguous one is refused here, before any connection is used. */
export function authMethodFor(auth: ChannelAuth | undefined): AuthMethod {
  if (!auth || typeof auth !== 'object') throw new Error('no channel authentication configured: pass auth { psk, identity } or { certificate, privateKey, trustedCa }, or { none: true } on both sides for tests');
  const kinds = ['none' in auth && auth.none === true, 'psk' in auth, 'certificate' in auth].filter(Boolean).length;
  if (kinds !== 1) throw new Error('channel authentication must be exactly one of { none: true }, { psk, identity } or { certificate, privateKey, trustedCa }');
  if ('psk' in auth) return pskAuthMethod(auth);
  if ('certificate' in auth) return certificateAuthMethod(auth);
  return noAuthMethod;
}
