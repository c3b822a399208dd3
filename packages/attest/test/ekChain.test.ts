import { expect } from 'chai';
import { ActivateCredential, type TpmtPublic } from '@vtpm/tpm';
import { Registrar, validateEkCertificate, type EkCertificateReport, type Verdict } from '../src/index.js';
import { makeCa, makeEkCertificate, pem, type Ca } from './certificateKit.js';
import { AK_ATTRIBUTES, EK_LIKE_ATTRIBUTES, NULL, PW, createPrimary, eccTemplate, rsaTemplate, scheme, startedTpm, type Fixture } from './tpmFixture.js';

function expectRefused(v: Verdict<unknown>, reason: string): void {
  expect(v.ok, v.ok ? 'accepted' : v.message).to.equal(false);
  if (!v.ok) {
    expect(v.reason).to.equal(reason);
    expect(v.message).to.match(new RegExp(`^${reason}: `));
  }
}

function report(v: Verdict<EkCertificateReport>): EkCertificateReport {
  if (!v.ok) expect.fail(v.message);
  return v.value;
}

describe('EK certificate chains', function () {
  this.timeout(30000);
  let f: Fixture;
  let root: Ca, intermediate: Ca, otherRoot: Ca;
  let rsaEk: { handle: number; pub: TpmtPublic; name: Buffer }, eccEk: { handle: number; pub: TpmtPublic; name: Buffer };
  let rsaEkCert: Buffer;

  before(async () => {
    f = await startedTpm('ek certificates');
    root = await makeCa('vtpm test manufacturer root');
    intermediate = await makeCa('vtpm test manufacturer EK CA', root);
    otherRoot = await makeCa('someone else');
    rsaEk = await createPrimary(f.client, rsaTemplate(EK_LIKE_ATTRIBUTES, scheme(NULL)));
    eccEk = await createPrimary(f.client, eccTemplate(EK_LIKE_ATTRIBUTES, scheme(NULL)));
    rsaEkCert = await makeEkCertificate(rsaEk.pub, intermediate);
  });

  it('validates an RSA EK certificate through an intermediate to the root, and reports the TPM it names', async () => {
    const r = report(await validateEkCertificate(rsaEkCert, { roots: [root.der], intermediates: [intermediate.der], ekPublic: rsaEk.pub }));
    expect(r.tpm).to.deep.equal({ manufacturer: 'id:56545000', manufacturerAscii: 'VTP', model: 'vtpm', version: 'id:00010002' });
    expect(r.keyChecked).to.equal(true);
    expect(r.path).to.have.length(3);
    expect(r.issuer).to.equal('CN=vtpm test manufacturer EK CA');
  });

  it('reads PEM, with the chain following the EK certificate', async () => {
    const chainPem = pem(rsaEkCert) + pem(intermediate.der);
    expect(report(await validateEkCertificate(chainPem, { roots: [pem(root.der)], ekPublic: rsaEk.pub })).path).to.have.length(3);
  });

  it('validates an ECC EK certificate and compares the curve point', async () => {
    const der = await makeEkCertificate(eccEk.pub, intermediate);
    expect(report(await validateEkCertificate(der, { roots: [root.der], intermediates: [intermediate.der], ekPublic: eccEk.pub })).keyChecked).to.equal(true);
  });

  describe('refuses', () => {
    it('a chain to a root that is not configured (ek-chain-invalid)', async () => {
      expectRefused(await validateEkCertificate(rsaEkCert, { roots: [otherRoot.der], intermediates: [intermediate.der] }), 'ek-chain-invalid');
    });

    it('a chain missing its intermediate (ek-chain-invalid)', async () => {
      expectRefused(await validateEkCertificate(rsaEkCert, { roots: [root.der] }), 'ek-chain-invalid');
    });

    it('a certificate outside its validity (ek-chain-invalid)', async () => {
      const expired = await makeEkCertificate(rsaEk.pub, intermediate, { notBefore: new Date('2001-01-01'), notAfter: new Date('2002-01-01') });
      expectRefused(await validateEkCertificate(expired, { roots: [root.der], intermediates: [intermediate.der] }), 'ek-chain-invalid');
    });

    it('a certificate whose signature was tampered with (ek-chain-invalid)', async () => {
      const tampered = Buffer.from(rsaEkCert);
      tampered[tampered.length - 5]! ^= 0x40;
      expectRefused(await validateEkCertificate(tampered, { roots: [root.der], intermediates: [intermediate.der] }), 'ek-chain-invalid');
    });

    it('a certificate without the EK extended key usage 2.23.133.8.1 (ek-certificate-profile)', async () => {
      const der = await makeEkCertificate(rsaEk.pub, intermediate, { eku: false });
      const v = await validateEkCertificate(der, { roots: [root.der], intermediates: [intermediate.der] });
      expectRefused(v, 'ek-certificate-profile');
      expect(v.ok || v.message).to.include('2.23.133.8.1');
    });

    it('an EK certificate that is a CA (ek-certificate-profile)', async () => {
      const der = await makeEkCertificate(rsaEk.pub, intermediate, { ca: true });
      expectRefused(await validateEkCertificate(der, { roots: [root.der], intermediates: [intermediate.der] }), 'ek-certificate-profile');
    });

    it('a certificate without the TCG manufacturer/model/version SAN (ek-certificate-profile)', async () => {
      const der = await makeEkCertificate(rsaEk.pub, intermediate, { tcgSan: false });
      expectRefused(await validateEkCertificate(der, { roots: [root.der], intermediates: [intermediate.der] }), 'ek-certificate-profile');
    });

    it('a valid certificate for another key than the EK presented (ek-key-mismatch)', async () => {
      for (const other of [eccEk.pub, { ...rsaEk.pub, unique: Buffer.from(rsaEk.pub.unique as Buffer).fill(0xab, 0, 8) }]) {
        expectRefused(await validateEkCertificate(rsaEkCert, { roots: [root.der], intermediates: [intermediate.der], ekPublic: other }), 'ek-key-mismatch');
      }
    });

    it('bytes that are no certificate (malformed-evidence)', async () => {
      expectRefused(await validateEkCertificate(Buffer.from('3003020101', 'hex'), { roots: [root.der] }), 'malformed-evidence');
    });
  });

  it('the registrar checks the EK certificate and keeps its report in the enrolled AK record', async () => {
    const ak = await createPrimary(f.client, eccTemplate(AK_ATTRIBUTES));
    const registrar = new Registrar({ ekRoots: [root.der] });
    const bad = await registrar.startEnrolment(rsaEk.pub, pem(await makeEkCertificate(eccEk.pub, intermediate)) + pem(intermediate.der), ak.pub);
    expectRefused(bad, 'ek-key-mismatch');
    const started = await registrar.startEnrolment(rsaEk.pub, pem(rsaEkCert) + pem(intermediate.der), ak.pub);
    if (!started.ok) expect.fail(started.message);
    const c = started.value;
    const { certInfo } = await f.client.run(ActivateCredential, { handles: { activateHandle: ak.handle, keyHandle: rsaEk.handle }, auth: [...PW, ...PW], params: { credentialBlob: c.credentialBlob, secret: c.secret } });
    const enrolled = registrar.finishEnrolment(c, certInfo);
    if (!enrolled.ok) expect.fail(enrolled.message);
    expect(enrolled.value.ekCertificate?.tpm.model).to.equal('vtpm');
  });
});
