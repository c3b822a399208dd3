import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { TpmtPublic } from '@vtpm/tpm';
import { publicKeyObject } from '../src/quote/publicKeyObject.js';

/**
 * Test certificates made with pkijs: a CA hierarchy (ECDSA P-256 keys) and EK certificates for
 * TPM public areas, with every TCG EK profile feature switchable so each check can be broken.
 */

export interface Ca {
  cert: pkijs.Certificate;
  der: Buffer;
  keys: CryptoKeyPair;
}

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const YEAR = 365 * 24 * 3600 * 1000;
let serial = 1;

function name(cn: string): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({ typesAndValues: cn ? [new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: cn }) })] : [] });
}

function extension(extnID: string, critical: boolean, value: { toSchema(): asn1js.BaseBlock }): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toSchema().toBER(false) });
}

interface Issue {
  subject: string;
  issuer: Ca | null;
  spki: pkijs.PublicKeyInfo;
  signingKey: CryptoKey;
  extensions: pkijs.Extension[];
  notBefore?: Date;
  notAfter?: Date;
}

async function issue(o: Issue): Promise<pkijs.Certificate> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: serial++ });
  cert.subject = name(o.subject);
  cert.issuer = o.issuer ? o.issuer.cert.subject : name(o.subject);
  cert.notBefore.value = o.notBefore ?? new Date(Date.now() - YEAR);
  cert.notAfter.value = o.notAfter ?? new Date(Date.now() + 10 * YEAR);
  cert.subjectPublicKeyInfo = o.spki;
  cert.extensions = o.extensions;
  await cert.sign(o.signingKey, 'SHA-256');
  return cert;
}

const derOf = (c: pkijs.Certificate) => Buffer.from(c.toSchema(true).toBER(false));

async function spkiOf(key: CryptoKey): Promise<pkijs.PublicKeyInfo> {
  return pkijs.PublicKeyInfo.fromBER(Buffer.from(await webcrypto.subtle.exportKey('spki', key)));
}

/** A CA certificate: self-signed root without `issuer`, else an intermediate. */
export async function makeCa(subject: string, issuer: Ca | null = null): Promise<Ca> {
  const keys = (await webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await issue({
    subject,
    issuer,
    spki: await spkiOf(keys.publicKey),
    signingKey: (issuer ?? { keys }).keys.privateKey,
    extensions: [extension('2.5.29.19', true, new pkijs.BasicConstraints({ cA: true }))],
  });
  return { cert, der: derOf(cert), keys };
}

export interface EkCertOptions {
  eku?: boolean;
  tcgSan?: boolean;
  ca?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  manufacturer?: string;
}

/** An EK certificate for `ek` issued by `issuer`, TCG profile by default (empty subject, critical SAN). */
export async function makeEkCertificate(ek: TpmtPublic, issuer: Ca, o: EkCertOptions = {}): Promise<Buffer> {
  const spki = pkijs.PublicKeyInfo.fromBER(publicKeyObject(ek).export({ type: 'spki', format: 'der' }));
  const extensions = [extension('2.5.29.19', true, new pkijs.BasicConstraints({ cA: o.ca ?? false }))];
  if (o.eku ?? true) extensions.push(extension('2.5.29.37', false, new pkijs.ExtKeyUsage({ keyPurposes: ['2.23.133.8.1'] })));
  if (o.tcgSan ?? true) {
    const attr = (type: string, value: string) => new pkijs.AttributeTypeAndValue({ type, value: new asn1js.Utf8String({ value }) });
    const dn = new pkijs.RelativeDistinguishedNames({ typesAndValues: [attr('2.23.133.2.1', o.manufacturer ?? 'id:56545000'), attr('2.23.133.2.2', 'vtpm'), attr('2.23.133.2.3', 'id:00010002')] });
    extensions.push(extension('2.5.29.17', true, new pkijs.AltName({ altNames: [new pkijs.GeneralName({ type: 4, value: dn })] })));
  }
  const cert = await issue({ subject: '', issuer, spki, signingKey: issuer.keys.privateKey, extensions, notBefore: o.notBefore, notAfter: o.notAfter });
  return derOf(cert);
}

export function pem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
}
