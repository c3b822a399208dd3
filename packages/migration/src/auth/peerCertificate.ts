import { X509Certificate } from 'node:crypto';

/** The host a certificate names: its first subjectAltName dNSName, else its subject CN. */
export function hostNameOf(certificate: X509Certificate): string {
  const dns = certificate.subjectAltName?.split(', ').find((n) => n.startsWith('DNS:'));
  if (dns) return dns.slice(4);
  return /(?:^|\n)CN=([^\n]*)/.exec(certificate.subject)?.[1] ?? certificate.subject;
}

const refuse = (message: string): never => {
  throw new Error(`auth-failed: ${message}`);
};

/**
 * Checks a peer's host certificate: issued and signed by the trusted operator CA, within its
 * validity period (the CA's too), a P-256 key, and naming `expectedPeer` when given. Each
 * rejection names its reason: unknown CA, expired, not yet valid, wrong host.
 */
export function checkPeerCertificate(der: Buffer, trustedCa: Buffer, expectedPeer?: string, now = new Date()): X509Certificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch (e) {
    return refuse(`the peer's certificate is not DER X.509 (${(e as Error).message})`);
  }
  const ca = new X509Certificate(trustedCa);
  if (!certificate.checkIssued(ca) || !certificate.verify(ca.publicKey)) {
    return refuse(`unknown CA: the peer's certificate (${certificate.subject.replace(/\n/g, ', ')}) is issued by ${certificate.issuer.replace(/\n/g, ', ')}, not by the trusted operator CA ${ca.subject.replace(/\n/g, ', ')}`);
  }
  for (const [what, c] of [['the peer\'s certificate', certificate], ['the operator CA certificate', ca]] as const) {
    if (now < new Date(c.validFrom)) refuse(`not yet valid: ${what} is valid from ${c.validFrom}`);
    if (now > new Date(c.validTo)) refuse(`expired: ${what} expired on ${c.validTo}`);
  }
  if (certificate.publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') refuse(`the peer's certificate key is not ECDSA P-256`);
  if (expectedPeer !== undefined && certificate.checkHost(expectedPeer) === undefined && hostNameOf(certificate) !== expectedPeer) {
    refuse(`wrong host: the peer's certificate names ${hostNameOf(certificate)}, expected ${expectedPeer}`);
  }
  return certificate;
}
