import { sign, verify, X509Certificate } from 'node:crypto';
import { b64, unb64 } from '../handshake/handshakeMessages.js';
import type { AuthMethod } from './authMethod.js';
import type { CertificateChannelAuth, ChannelRole } from './channelAuth.js';
import { checkPeerCertificate, hostNameOf } from './peerCertificate.js';

const signedText = (role: ChannelRole, transcriptHash: Buffer) => Buffer.concat([Buffer.from(`vtpm/channel certificate ${role}\0`), transcriptHash]);

/** Host certificates from the operator CA: each side signs the transcript (ECDSA P-256, SHA-256) with its certificate's key. */
export function certificateAuthMethod(auth: CertificateChannelAuth): AuthMethod {
  const own = new X509Certificate(auth.certificate);
  if (!own.checkPrivateKey(auth.privateKey)) throw new Error(`the private key does not belong to the host certificate (${own.subject}): load the key issued with it`);
  new X509Certificate(auth.trustedCa); // a malformed CA fails here, with the configuration, not at the first peer
  let peerCertificate: X509Certificate | undefined;
  return {
    mode: 'certificate',
    identity: auth.identity ?? hostNameOf(own),
    proves: true,
    helloFields: () => ({ certificate: b64(auth.certificate) }),
    checkPeerHello(hello) {
      if (typeof hello.certificate !== 'string') throw new Error('auth-failed: the peer sent no certificate');
      peerCertificate = checkPeerCertificate(unb64(hello.certificate), auth.trustedCa, auth.expectedPeer);
      return hostNameOf(peerCertificate);
    },
    prove: (role, transcriptHash) => sign('sha256', signedText(role, transcriptHash), auth.privateKey),
    verify(role, transcriptHash, proof) {
      if (!peerCertificate) return false;
      try {
        return verify('sha256', signedText(role, transcriptHash), peerCertificate.publicKey, proof);
      } catch {
        return false; // not even a DER signature
      }
    },
    proofFailure: (role) => `bad signature: the ${role}'s transcript signature does not verify with the key of its certificate (${peerCertificate?.subject ?? 'none'})`,
    keyMaterial: () => Buffer.alloc(0),
  };
}
