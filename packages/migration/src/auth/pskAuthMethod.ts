import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { AuthMethod } from './authMethod.js';
import type { ChannelRole, PskChannelAuth } from './channelAuth.js';

/** Shortest PSK accepted: 256 bits, so it cannot be guessed offline from a recorded proof. */
export const MIN_PSK_BYTES = 32;

const proofLabel = (role: ChannelRole) => `vtpm/channel psk ${role}`;

/** HMAC-SHA256 under the PSK over a per-role label and the transcript (the two directions' proofs can never be swapped). */
export function pskProof(psk: Buffer, role: ChannelRole, transcriptHash: Buffer): Buffer {
  return createHmac('sha256', psk).update(proofLabel(role)).update(transcriptHash).digest();
}

/** The PSK's contribution to the stream keys: without the PSK a man in the middle derives nothing. */
export function pskKeyMaterial(psk: Buffer, transcriptHash: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', psk, transcriptHash, 'vtpm/channel psk key material', 32));
}

export function pskAuthMethod(auth: PskChannelAuth): AuthMethod {
  if (!Buffer.isBuffer(auth.psk) || auth.psk.length < MIN_PSK_BYTES) throw new Error(`the pre-shared key has ${auth.psk?.length ?? 0} octets: use at least ${MIN_PSK_BYTES} random octets`);
  if (!auth.identity) throw new Error('PSK authentication needs an identity: the name this daemon gives itself');
  return {
    mode: 'psk',
    identity: auth.identity,
    proves: true,
    helloFields: () => ({}),
    checkPeerHello(hello) {
      if (auth.expectedPeer !== undefined && hello.identity !== auth.expectedPeer) throw new Error(`auth-failed: wrong host: the peer calls itself ${hello.identity}, expected ${auth.expectedPeer}`);
      return hello.identity;
    },
    prove: (role, transcriptHash) => pskProof(auth.psk, role, transcriptHash),
    verify(role, transcriptHash, proof) {
      const expected = pskProof(auth.psk, role, transcriptHash);
      return proof.length === expected.length && timingSafeEqual(proof, expected);
    },
    proofFailure: (role) => `the ${role}'s PSK proof does not verify: the two daemons hold different pre-shared keys (or the handshake was tampered with)`,
    keyMaterial: (transcriptHash) => pskKeyMaterial(auth.psk, transcriptHash),
  };
}
