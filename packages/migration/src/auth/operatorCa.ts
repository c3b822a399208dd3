import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ManufacturerCa, X509_EXTENSION, certificateTime, derOf, distinguishedName, extension, keyUsage, KEY_USAGE, randomSerial } from '@vtpm/attest';

const DAY_MS = 24 * 3600 * 1000;
/** id-kp-serverAuth and id-kp-clientAuth: a host daemon is both (it dials and it listens). */
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export interface HostCertificateOptions {
  notBefore?: Date;
  /** Default: one year after notBefore. */
  notAfter?: Date;
}

export interface HostCredentials {
  /** DER X.509. */
  certificate: Buffer;
  /** The host's P-256 key; absent when the caller supplied the public key (it keeps the private one). */
  privateKey?: KeyObject;
}

/**
 * The operator's CA for host daemons: an ECDSA P-256 root that certifies each host's P-256 key
 * under the host's name (subject CN and subjectAltName dNSName), which daemons check when they
 * authenticate each other. It is the same kind of root as @vtpm/attest's ManufacturerCa (same
 * certificate builder, same ca.pem/ca-key.pem directory), with another name and purpose.
 */
export class OperatorCa {
  private constructor(private readonly root: ManufacturerCa) {}

  static async create(commonName = 'vtpm operator CA'): Promise<OperatorCa> {
    return new OperatorCa(await ManufacturerCa.create({ keyType: 'ecdsa-p256', commonName }));
  }

  /** The CA stored in `dir` (ca.pem, ca-key.pem). */
  static load(dir: string): OperatorCa {
    return new OperatorCa(ManufacturerCa.load(dir));
  }

  static async loadOrCreate(dir: string): Promise<OperatorCa> {
    const root = await ManufacturerCa.loadOrCreate(dir, { keyType: 'ecdsa-p256', commonName: 'vtpm operator CA' });
    return new OperatorCa(root);
  }

  /** Writes ca.pem and ca-key.pem (0600) into `dir`. */
  save(dir: string): void {
    this.root.save(dir);
  }

  /** The root certificate (DER): what every daemon trusts as `trustedCa`. */
  get der(): Buffer {
    return this.root.der;
  }

  get certificatePem(): string {
    return this.root.certificatePem;
  }

  /** A certificate naming `hostName` for `publicKey` (P-256), or for a new key pair returned with it. */
  async issueHostCertificate(hostName: string, publicKey?: KeyObject, options: HostCertificateOptions = {}): Promise<HostCredentials> {
    if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(hostName)) throw new Error(`host name ${JSON.stringify(hostName)} is not a DNS name (letters, digits, dots, hyphens)`);
    const pair = publicKey ? undefined : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = publicKey ?? pair!.publicKey;
    if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('host certificates certify ECDSA P-256 keys only');
    const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
    const cert = new pkijs.Certificate();
    cert.version = 2;
    cert.serialNumber = randomSerial();
    cert.issuer = this.root.certificate.subject;
    cert.subject = distinguishedName([['2.5.4.10', 'vtpm'], ['2.5.4.3', hostName]]);
    cert.notBefore = certificateTime(notBefore);
    cert.notAfter = certificateTime(options.notAfter ?? new Date(notBefore.getTime() + 365 * DAY_MS));
    cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(key.export({ type: 'spki', format: 'der' }));
    cert.extensions = [
      extension(X509_EXTENSION.basicConstraints, true, new pkijs.BasicConstraints({ cA: false }).toSchema()),
      extension(X509_EXTENSION.keyUsage, true, keyUsage([KEY_USAGE.digitalSignature])),
      extension(X509_EXTENSION.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [SERVER_AUTH, CLIENT_AUTH] }).toSchema()),
      extension(X509_EXTENSION.subjectAltName, false, new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 2, value: hostName })] }).toSchema()),
      extension(X509_EXTENSION.authorityKeyIdentifier, false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: this.root.keyIdentifier }) }).toSchema()),
    ];
    await this.root.sign(cert);
    return { certificate: derOf(cert), ...(pair ? { privateKey: pair.privateKey } : {}) };
  }
}
