import { createPrivateKey, generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { certificateTime, derOf, distinguishedName, extension, keyIdentifier, keyUsage, KEY_USAGE, noExpiry, pemOf, randomSerial } from './certificateFields.js';
import { X509_EXTENSION } from './tcgOids.js';

export type CaKeyType = 'ecdsa-p256' | 'rsa-2048';

export interface ManufacturerCaOptions {
  /** Default ECDSA P-256. */
  keyType?: CaKeyType;
  /** Subject common name; default "vtpm manufacturer CA". */
  commonName?: string;
  organization?: string;
}

/** Files of a CA directory: the certificate (PEM, to hand to verifiers) and the private key (PKCS#8 PEM, mode 0600). */
export const CA_CERTIFICATE_FILE = 'ca.pem';
export const CA_KEY_FILE = 'ca-key.pem';

/**
 * The vtpm manufacturer CA: a self-signed root that certifies the EKs of the TPMs it
 * manufactures, as a TPM vendor's CA does for real TPMs. Verifiers trust `certificatePem`.
 */
export class ManufacturerCa {
  private constructor(
    readonly certificate: pkijs.Certificate,
    readonly privateKey: KeyObject,
  ) {}

  get der(): Buffer {
    return derOf(this.certificate);
  }

  get certificatePem(): string {
    return pemOf(this.der);
  }

  get keyType(): CaKeyType {
    return this.privateKey.asymmetricKeyType === 'rsa' ? 'rsa-2048' : 'ecdsa-p256';
  }

  /** A new root: key pair, self-signed certificate (CA, keyCertSign|cRLSign, no expiry). */
  static async create(options: ManufacturerCaOptions = {}): Promise<ManufacturerCa> {
    const keyType = options.keyType ?? 'ecdsa-p256';
    const { privateKey, publicKey } = keyType === 'rsa-2048' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cert = new pkijs.Certificate();
    cert.version = 2;
    cert.serialNumber = randomSerial();
    const name = distinguishedName([
      ['2.5.4.10', options.organization ?? 'vtpm'],
      ['2.5.4.3', options.commonName ?? 'vtpm manufacturer CA'],
    ]);
    cert.subject = name;
    cert.issuer = name;
    cert.notBefore = certificateTime(new Date(Date.now() - 60_000));
    cert.notAfter = noExpiry();
    cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(publicKey.export({ type: 'spki', format: 'der' }));
    const ski = keyIdentifier(cert.subjectPublicKeyInfo);
    cert.extensions = [
      extension(X509_EXTENSION.basicConstraints, true, new pkijs.BasicConstraints({ cA: true }).toSchema()),
      extension(X509_EXTENSION.keyUsage, true, keyUsage([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign])),
      extension(X509_EXTENSION.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: ski })),
    ];
    const ca = new ManufacturerCa(cert, privateKey);
    await ca.sign(cert);
    return ca;
  }

  /** The CA stored in `dir` (ca.pem, ca-key.pem). */
  static load(dir: string): ManufacturerCa {
    const pem = readFileSync(join(dir, CA_CERTIFICATE_FILE), 'utf8');
    const der = Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''), 'base64');
    return new ManufacturerCa(pkijs.Certificate.fromBER(der), createPrivateKey(readFileSync(join(dir, CA_KEY_FILE), 'utf8')));
  }

  /** The CA in `dir`, created (and saved there) on first use. */
  static async loadOrCreate(dir: string, options: ManufacturerCaOptions = {}): Promise<ManufacturerCa> {
    if (existsSync(join(dir, CA_CERTIFICATE_FILE))) return ManufacturerCa.load(dir);
    const ca = await ManufacturerCa.create(options);
    ca.save(dir);
    return ca;
  }

  /** Writes ca.pem and ca-key.pem (0600), each through a temporary file so a crash leaves no half-written file. */
  save(dir: string): void {
    mkdirSync(dir, { recursive: true });
    const write = (file: string, text: string, mode: number) => {
      const tmp = join(dir, `.${file}.tmp`);
      writeFileSync(tmp, text, { mode });
      chmodSync(tmp, mode);
      renameSync(tmp, join(dir, file));
    };
    write(CA_KEY_FILE, this.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
    write(CA_CERTIFICATE_FILE, this.certificatePem, 0o644);
  }

  /** Signs a certificate this CA issues (ECDSA with SHA-256, or RSASSA-PKCS1-v1_5 with SHA-256). */
  async sign(cert: pkijs.Certificate): Promise<void> {
    const rsa = this.keyType === 'rsa-2048';
    const algorithm = rsa ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', namedCurve: 'P-256' };
    const pkcs8 = this.privateKey.export({ type: 'pkcs8', format: 'der' });
    const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']);
    await cert.sign(key as unknown as Parameters<pkijs.Certificate['sign']>[0], 'SHA-256');
  }

  /** The key identifier of the CA's public key: the authority key identifier of what it issues. */
  get keyIdentifier(): Buffer {
    return keyIdentifier(this.certificate.subjectPublicKeyInfo);
  }
}
