import { expect } from 'chai';
import crypto from 'node:crypto';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { SIDES, ToolPair, type Side } from '../lib/toolPair.js';
import { PROTOCOLS } from '../lib/vtpmServer.js';

/**
 * Signing, verification, RSA and ECDH, AES and HMAC through tpm2-tools 5.4, each step run against
 * vtpm and against swtpm (the reference) in separate directories; results are also checked with
 * OpenSSL (the openssl CLI or node:crypto). Keys are TPM-generated unless a known key is needed to
 * compare outputs byte for byte (tpm2_loadexternal / tpm2_create -i).
 * VTPM_REF_SWTPM_PORT, VTPM_SWTPM_PORT and VTPM_MSSIM_PORT pin the port pairs; otherwise free ports are picked.
 */

for (const protocol of PROTOCOLS) {
  describe(`crypto commands via tpm2-tools over the ${protocol} TCTI, compared with swtpm and OpenSSL`, function () {
    this.timeout(180000);
    let tools: ToolPair;
    /** One tpm2-tools step on both TPMs (transient objects flushed after it): same exit code and TPM code. */
    const both = (args: string[], opts: { expectFailure?: string } = {}) => tools.compare(args, opts);
    const file = (side: Side, name: string) => tools.read(side, name);
    /** A key created under the primary and loaded, with its public part as PEM where it has one. */
    async function createKey(name: string, createArgs: string[], pem = true): Promise<void> {
      await both(['tpm2_create', '-C', 'prim.ctx', ...createArgs, '-u', `${name}.pub`, '-r', `${name}.priv`]);
      await both(['tpm2_load', '-C', 'prim.ctx', '-u', `${name}.pub`, '-r', `${name}.priv`, '-c', `${name}.ctx`]);
      if (pem) await both(['tpm2_readpublic', '-c', `${name}.ctx`, '-f', 'pem', '-o', `${name}.pem`]);
    }

    before(async function () {
      requireTools(this, ['tpm2_startup', 'tpm2_sign', 'openssl', 'swtpm'], DEBIAN_TOOLS);
      tools = await ToolPair.start(protocol, 'vtpm-crypto-');
      await both(['tpm2_startup', '-c']);
      await both(['tpm2_createprimary', '-C', 'o', '-G', 'ecc', '-c', 'prim.ctx']);
      await createKey('rsa', ['-G', 'rsa2048']);
      await createKey('ecc', ['-G', 'ecc256']);
      tools.inBoth('msg.dat', 'attest this, vtpm\n');
      tools.inBoth('other.dat', 'something else\n');
    });
    after(async () => tools?.stop());

    it('tpm2_sign RSASSA, RSAPSS and ECDSA: openssl dgst -verify accepts them with the tpm2_readpublic PEM', async () => {
      await both(['tpm2_sign', '-c', 'rsa.ctx', '-g', 'sha256', '-s', 'rsassa', '-f', 'plain', '-o', 'rsassa.sig', 'msg.dat']);
      await both(['tpm2_sign', '-c', 'rsa.ctx', '-g', 'sha384', '-s', 'rsapss', '-f', 'plain', '-o', 'rsapss.sig', 'msg.dat']);
      await both(['tpm2_sign', '-c', 'ecc.ctx', '-g', 'sha256', '-s', 'ecdsa', '-f', 'plain', '-o', 'ecdsa.sig', 'msg.dat']);
      await tools.locally('openssl', ['dgst', '-sha256', '-verify', 'rsa.pem', '-signature', 'rsassa.sig', 'msg.dat']);
      // the TPM's PSS salt is as long as the digest
      await tools.locally('openssl', ['dgst', '-sha384', '-verify', 'rsa.pem', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:48', '-signature', 'rsapss.sig', 'msg.dat']);
      await tools.locally('openssl', ['dgst', '-sha256', '-verify', 'ecc.pem', '-signature', 'ecdsa.sig', 'msg.dat']);
      const ossl = await tools.on('vtpm').run(['openssl', 'dgst', '-sha256', '-verify', 'rsa.pem', '-signature', 'rsassa.sig', 'other.dat']);
      expect(ossl.code, 'OpenSSL must refuse another message').to.not.equal(0);
    });

    it('tpm2_verifysignature returns a verified ticket, and refuses another message with 0x2db like swtpm', async () => {
      for (const [key, scheme] of [['rsa', 'rsassa'], ['rsa', 'rsapss'], ['ecc', 'ecdsa']] as const) {
        await both(['tpm2_sign', '-c', `${key}.ctx`, '-g', 'sha256', '-s', scheme, '-o', `${scheme}.tss`, 'msg.dat']);
        await both(['tpm2_verifysignature', '-c', `${key}.ctx`, '-g', 'sha256', '-m', 'msg.dat', '-s', `${scheme}.tss`, '-t', `${scheme}.tk`]);
        const ticket = file('vtpm', `${scheme}.tk`);
        expect(ticket.readUInt16BE(0), 'TPM_ST_VERIFIED').to.equal(0x8022);
        expect(ticket.readUInt32BE(2), 'owner hierarchy').to.equal(0x40000001);
        expect(ticket.readUInt16BE(6), 'HMAC-SHA512 digest').to.equal(64);
        await both(['tpm2_verifysignature', '-c', `${key}.ctx`, '-g', 'sha256', '-m', 'other.dat', '-s', `${scheme}.tss`], { expectFailure: '(0x2db)' });
      }
    });

    it('a restricted signing key signs a digest only with the tpm2_hash ticket (0x3e0 without)', async () => {
      await createKey('ak', ['-G', 'ecc256:ecdsa-sha256:null', '-a', 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign'], false);
      await both(['tpm2_sign', '-c', 'ak.ctx', '-g', 'sha256', '-o', 'ak.sig', 'msg.dat']);
      await both(['tpm2_verifysignature', '-c', 'ak.ctx', '-g', 'sha256', '-m', 'msg.dat', '-s', 'ak.sig']);
      tools.inBoth('digest.bin', crypto.createHash('sha256').update('forged TPMS_ATTEST').digest());
      await both(['tpm2_sign', '-c', 'ak.ctx', '-g', 'sha256', '-d', '-o', 'forged.sig', 'digest.bin'], { expectFailure: '(0x3e0)' });
      await both(['tpm2_hash', '-C', 'o', '-g', 'sha256', '-t', 'hash.tk', '-o', 'hashed.bin', 'msg.dat']);
      await both(['tpm2_sign', '-c', 'ak.ctx', '-g', 'sha256', '-d', '-t', 'hash.tk', '-o', 'ticketed.sig', 'hashed.bin']);
    });

    it('tpm2_rsaencrypt / tpm2_rsadecrypt: OAEP with a label and RSAES round trips; OpenSSL’s OAEP ciphertext decrypts', async () => {
      const message = file('vtpm', 'msg.dat');
      for (const extra of [['-s', 'oaep'], ['-s', 'oaep', '-l', 'label'], ['-s', 'rsaes']]) {
        await both(['tpm2_rsaencrypt', '-c', 'rsa.ctx', ...extra, '-o', 'ct.bin', 'msg.dat']);
        await both(['tpm2_rsadecrypt', '-c', 'rsa.ctx', ...extra, '-o', 'pt.bin', 'ct.bin']);
        for (const s of SIDES) expect(file(s, 'pt.bin'), `${s} ${extra.join(' ')}`).to.deep.equal(message);
      }
      // tpm2-tools sends the label with its terminating zero; OpenSSL must use the same octets
      await tools.locally('openssl', ['pkeyutl', '-encrypt', '-pubin', '-inkey', 'rsa.pem', '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_oaep_label:6c6162656c00', '-in', 'msg.dat', '-out', 'ossl.ct']);
      await both(['tpm2_rsadecrypt', '-c', 'rsa.ctx', '-s', 'oaep', '-l', 'label', '-o', 'ossl.pt', 'ossl.ct']);
      for (const s of SIDES) expect(file(s, 'ossl.pt')).to.deep.equal(message);
    });

    it('tpm2_encryptdecrypt with a known AES key equals OpenSSL and swtpm (CFB, CBC with padding) and decrypts back', async () => {
      const key = Buffer.from('0123456789abcdef');
      const iv = Buffer.from('vtpm-iv-16octets');
      const plain = Buffer.from('forty octets of plaintext for AES tests!');
      tools.inBoth('aes.key', key);
      tools.inBoth('iv.bin', iv);
      tools.inBoth('plain.bin', plain);
      const openssl = (mode: string, padded: boolean) => {
        const c = crypto.createCipheriv(`aes-128-${mode}`, key, iv).setAutoPadding(padded);
        return Buffer.concat([c.update(plain), c.final()]);
      };
      await both(['tpm2_loadexternal', '-C', 'n', '-G', 'aes128cfb', '-r', 'aes.key', '-c', 'aes.ctx']);
      await both(['tpm2_encryptdecrypt', '-c', 'aes.ctx', '-t', 'iv.bin', '-o', 'cfb.ct', 'plain.bin']);
      await both(['tpm2_encryptdecrypt', '-c', 'aes.ctx', '-d', '-t', 'iv.bin', '-o', 'cfb.pt', 'cfb.ct']);
      await both(['tpm2_loadexternal', '-C', 'n', '-G', 'aes128', '-r', 'aes.key', '-c', 'aesnull.ctx']);
      await both(['tpm2_encryptdecrypt', '-c', 'aesnull.ctx', '-G', 'cbc', '-e', '-t', 'iv.bin', '-o', 'cbc.ct', 'plain.bin']);
      for (const s of SIDES) {
        expect(file(s, 'cfb.ct'), s).to.deep.equal(openssl('cfb', false));
        expect(file(s, 'cfb.pt'), s).to.deep.equal(plain);
        expect(file(s, 'cbc.ct'), s).to.deep.equal(openssl('cbc', true));
      }
    });

    it('tpm2_hmac, one shot and through an HMAC sequence (3000 octets), equals OpenSSL and swtpm', async () => {
      const key = Buffer.from('hmackeyhmackeyhmackeyhmackey1234');
      tools.inBoth('hmac.key', key);
      tools.inBoth('big.dat', Buffer.alloc(3000, 'z'));
      // a keyed hash for sign and decrypt has no scheme, so tpm2_hmac names the hash (swtpm refuses sign-only without one)
      await createKey('hmac', ['-i', 'hmac.key', '-a', 'fixedtpm|fixedparent|userwithauth|sign|decrypt'], false);
      for (const [input, alg] of [['msg.dat', 'sha256'], ['big.dat', 'sha256'], ['msg.dat', 'sha384']] as const) {
        const out = await both(['tpm2_hmac', '-c', 'hmac.ctx', '-g', alg, '--hex', input]);
        const expected = crypto.createHmac(alg, key).update(file('vtpm', input)).digest('hex');
        expect(out.vtpm.stdout.trim(), `${input} ${alg}`).to.equal(expected);
        expect(out.swtpm.stdout.trim(), `${input} ${alg} (swtpm)`).to.equal(expected);
      }
    });

    it('tpm2_ecdhkeygen and tpm2_ecdhzgen agree on Z, and ZGen’s Z equals openssl pkeyutl -derive', async () => {
      await both(['tpm2_ecdhkeygen', '-c', 'ecc.ctx', '-u', 'eph.pub', '-o', 'z1.bin']);
      await both(['tpm2_ecdhzgen', '-c', 'ecc.ctx', '-u', 'eph.pub', '-o', 'z2.bin']);
      for (const s of SIDES) expect(file(s, 'z2.bin'), s).to.deep.equal(file(s, 'z1.bin'));
      // a point of our own: an OpenSSL key's public point as a TPM2B_ECC_POINT
      const eph = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = eph.publicKey.export({ format: 'jwk' });
      const coord = (c: string) => Buffer.concat([Buffer.from([0, 32]), Buffer.from(c, 'base64url')]);
      tools.inBoth('point.bin', Buffer.concat([Buffer.from([0, 68]), coord(jwk.x!), coord(jwk.y!)]));
      tools.inBoth('eph.pem', eph.privateKey.export({ format: 'pem', type: 'pkcs8' }));
      await both(['tpm2_ecdhzgen', '-c', 'ecc.ctx', '-u', 'point.bin', '-o', 'z3.bin']);
      await tools.locally('openssl', ['pkeyutl', '-derive', '-inkey', 'eph.pem', '-peerkey', 'ecc.pem', '-out', 'z.ossl']);
      for (const s of SIDES) expect(file(s, 'z3.bin').subarray(4, 36), s).to.deep.equal(file(s, 'z.ossl'));
      // a point off the curve
      const bad = Buffer.from(file('vtpm', 'point.bin'));
      bad[bad.length - 1]! ^= 1;
      tools.inBoth('bad.bin', bad);
      await both(['tpm2_ecdhzgen', '-c', 'ecc.ctx', '-u', 'bad.bin', '-o', 'z4.bin'], { expectFailure: '(0x1e7)' });
    });
  });
}
