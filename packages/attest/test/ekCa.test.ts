import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessTransport, NV_Read, NV_ReadPublic, TPM_RH, Tpm, TpmClient, ekTemplate } from '@vtpm/tpm';
import {
  EK_CERTIFICATE_NV_ATTRIBUTES, ManufacturerCa, ekPublicKey, issueEkCertificate, manufacture, storeCertificateInNv, validateEkCertificate, type ManufactureResult,
} from '../src/index.js';

const openssl = (args: string[], input?: Buffer) => execFileSync('openssl', args, { input, encoding: 'utf8' });
/** openssl's text form of a DER certificate. */
const opensslText = (der: Buffer) => openssl(['x509', '-inform', 'DER', '-noout', '-text'], der);
const pem = (der: Buffer) => new X509Certificate(der).toString();

describe('EK certificates: the vtpm manufacturer CA and manufacture()', function () {
  this.timeout(60000);
  let dir: string;
  let tpm: Tpm;
  let made: ManufactureResult;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vtpm-ekca-'));
    tpm = new Tpm({ seed: Buffer.from('ek ca tests') });
    made = await manufacture(tpm, join(dir, 'ca'), { templates: ['L-1', 'L-2', 'H-3'] });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the CA in its directory on first use (key 0600) and loads the same one afterwards', async () => {
    expect(statSync(join(dir, 'ca', 'ca-key.pem')).mode & 0o777).to.equal(0o600);
    const again = await ManufacturerCa.loadOrCreate(join(dir, 'ca'));
    expect(again.der.equals(made.ca.der)).to.equal(true);
    const text = openssl(['x509', '-in', join(dir, 'ca', 'ca.pem'), '-noout', '-text']);
    expect(text).to.match(/Issuer: O = vtpm, CN = vtpm manufacturer CA/).and.match(/Subject: O = vtpm, CN = vtpm manufacturer CA/);
    expect(text).to.match(/Basic Constraints: critical\s+CA:TRUE/).and.match(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
  });

  for (const [id, keyUsage, keyText] of [
    ['L-1', 'Key Encipherment', /rsaEncryption\s+Public-Key: \(2048 bit\)[\s\S]*Exponent: 65537/],
    ['L-2', 'Key Agreement', /id-ecPublicKey\s+Public-Key: \(256 bit\)[\s\S]*NIST CURVE: P-256/],
    ['H-3', 'Key Agreement', /id-ecPublicKey\s+Public-Key: \(384 bit\)[\s\S]*NIST CURVE: P-384/],
  ] as const) {
    it(`${id}: openssl prints the TCG EK profile extensions, and the certificate verifies against the exported CA`, () => {
      const ek = made.eks.find((e) => e.templateId === id)!;
      const text = opensslText(ek.certificate);
      expect(text).to.match(/Subject: *\n/); // empty: the SAN carries the identity
      expect(text).to.match(keyText);
      expect(text).to.match(/X509v3 Extended Key Usage: *\n\s+2\.23\.133\.8\.1\n/);
      expect(text).to.match(/X509v3 Subject Alternative Name: critical\n\s+DirName:\/2\.23\.133\.2\.1=id:49424D00\/2\.23\.133\.2\.2=vTPMTS\/2\.23\.133\.2\.3=id:20191023\n/);
      expect(text).to.match(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
      expect(text).to.match(new RegExp(`X509v3 Key Usage: critical\\n\\s+${keyUsage}\\n`));
      expect(text).to.match(/X509v3 Subject Directory Attributes: *\n/);
      expect(text).to.match(/Not After : Dec 31 23:59:59 9999 GMT/);
      const ski = /Subject Key Identifier: *\n\s+([0-9A-F:]+)/.exec(opensslText(made.ca.der))![1];
      expect(text).to.include(`X509v3 Authority Key Identifier: \n                ${ski}`);
      const certFile = join(dir, `${id}.pem`);
      writeFileSync(certFile, pem(ek.certificate));
      expect(openssl(['verify', '-CAfile', join(dir, 'ca', 'ca.pem'), certFile]).trim()).to.equal(`${certFile}: OK`);
    });
  }

  it('carries the tpmSpecification attribute (family "2.0", level 0, revision 164) exactly as swtpm encodes it', () => {
    const der = made.eks[0]!.certificate;
    // SEQUENCE { SEQUENCE { OID 2.23.133.2.16, SET { SEQUENCE { UTF8String "2.0", INTEGER 0, INTEGER 164 } } } }: swtpm_setup's bytes
    expect(der.includes(Buffer.from('3019301706056781050210310e300c0c03322e30020100020200a4', 'hex'))).to.equal(true);
  });

  it('certifies exactly the EK: the subject public key is the EK created from the template', () => {
    for (const ek of made.eks) {
      const certified = new X509Certificate(ek.certificate).publicKey.export({ type: 'spki', format: 'der' });
      expect(certified.equals(ekPublicKey(ek.ekPublic).export({ type: 'spki', format: 'der' })), ek.templateId).to.equal(true);
      expect(ek.ekPublic.objectAttributes).to.equal(ekTemplate(ek.templateId).template.objectAttributes);
    }
  });

  it('passes the verifier\'s own EK certificate validation (chain, TCG profile, key match)', async () => {
    for (const ek of made.eks) {
      const verdict = await validateEkCertificate(ek.certificate, { roots: [made.ca.certificatePem], ekPublic: ek.ekPublic });
      expect(verdict, ek.templateId).to.deep.include({ ok: true });
      const report = (verdict as { value: { tpm: unknown; keyChecked: boolean } }).value;
      expect(report.tpm).to.deep.include({ manufacturer: 'id:49424D00', manufacturerAscii: 'IBM', model: 'vTPMTS', version: 'id:20191023' });
      expect(report.keyChecked).to.equal(true);
    }
  });

  it('stores each certificate in NV at its standard index with swtpm_setup\'s attributes (0x62072001 once written)', async () => {
    const client = new TpmClient(new InProcessTransport(tpm));
    expect(made.eks.map((e) => e.certIndex)).to.deep.equal([0x01c00002, 0x01c0000a, 0x01c00016]);
    for (const ek of made.eks) {
      const { nvPublic } = await client.run(NV_ReadPublic, { handles: { nvIndex: ek.certIndex }, params: {} });
      expect(nvPublic).to.deep.include({ attributes: 0x62072001, dataSize: ek.certificate.length, nameAlg: 0x000b });
      const read = await client.run(NV_Read, { handles: { authHandle: ek.certIndex, nvIndex: ek.certIndex }, params: { size: ek.certificate.length, offset: 0 }, auth: [{ password: '' }] });
      expect(read.data.equals(ek.certificate)).to.equal(true);
    }
    expect(EK_CERTIFICATE_NV_ATTRIBUTES | (1 << 29)).to.equal(0x62072001);
  });

  it('writes a certificate longer than one NV_Write in pieces, and replaces an index already there', async () => {
    const client = new TpmClient(new InProcessTransport(tpm));
    const data = Buffer.from(Array.from({ length: 900 }, (_, i) => i & 0xff));
    await storeCertificateInNv(client, 0x01c00002, data, { maxWrite: 128 });
    const read = await client.run(NV_Read, { handles: { authHandle: TPM_RH.PLATFORM, nvIndex: 0x01c00002 }, params: { size: 900, offset: 0 }, auth: [{ password: '' }] });
    expect(read.data.equals(data)).to.equal(true);
    const again = await manufacture(tpm, made.ca, { templates: ['L-1'] });
    expect(again.eks[0]!.ekName.equals(made.eks[0]!.ekName)).to.equal(true); // the same EK: derived from the endorsement seed
  });

  it('issues with an RSA CA as well (sha256WithRSAEncryption), verifiable by openssl', async () => {
    const rsaCa = await ManufacturerCa.create({ keyType: 'rsa-2048', commonName: 'vtpm RSA manufacturer CA' });
    const ek = made.eks[1]!;
    const der = await issueEkCertificate(rsaCa, ek.ekPublic, made.identity);
    expect(opensslText(der)).to.match(/Signature Algorithm: sha256WithRSAEncryption/);
    writeFileSync(join(dir, 'rsa-ca.pem'), rsaCa.certificatePem);
    writeFileSync(join(dir, 'by-rsa-ca.pem'), pem(der));
    expect(openssl(['verify', '-CAfile', join(dir, 'rsa-ca.pem'), join(dir, 'by-rsa-ca.pem')])).to.match(/: OK/);
    expect(new X509Certificate(der).publicKey.asymmetricKeyType).to.equal('ec');
  });
});
