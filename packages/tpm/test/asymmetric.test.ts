import { expect } from 'chai';
import crypto from 'node:crypto';
import { ECDH_KeyGen, ECDH_ZGen, RSA_Decrypt, RSA_Encrypt, type TpmClient } from '../src/index.js';
import { A, NULL, SHA1, SHA256, SHA512, eccExternal, rsaExternal, scheme, withExternalKey, type External } from './cryptoHelpers.js';
import { rcOf } from './kit/responseCodes.js';
import { PW, startTpm } from './kit/startedTpm.js';

const RSAES = 0x15, OAEP = 0x17, ECDSA = 0x18, ECMQV = 0x1d;
const none = Buffer.alloc(0);
const ecPoint = (key: crypto.KeyObject) => {
  const j = key.export({ format: 'jwk' });
  return { x: Buffer.from(j.x!, 'base64url'), y: Buffer.from(j.y!, 'base64url') };
};
const ecPublicKey = (crv: string, p: { x: Buffer; y: Buffer }) => crypto.createPublicKey({ key: { kty: 'EC', crv, x: p.x.toString('base64url'), y: p.y.toString('base64url') }, format: 'jwk' });

describe('RSA_Encrypt, RSA_Decrypt, ECDH_KeyGen, ECDH_ZGen', function () {
  this.timeout(20000);
  let client: TpmClient;
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const message = Buffer.from('a secret for the TPM');

  before(async () => ({ client } = await startTpm('crypto tests')));

  const withKey = <T>(ext: External, body: (handle: number, name: Buffer) => Promise<T>) => withExternalKey(client, ext, body);
  const encrypt = (keyHandle: number, msg: Buffer, inScheme = scheme(NULL), label = none) => client.run(RSA_Encrypt, { handles: { keyHandle }, params: { message: msg, inScheme, label } }).then((r) => r.outData);
  const decrypt = (keyHandle: number, cipherText: Buffer, inScheme = scheme(NULL), label = none) =>
    client.run(RSA_Decrypt, { handles: { keyHandle }, params: { cipherText, inScheme, label }, auth: PW }).then((r) => r.message);

  describe('RSA against node:crypto', () => {
    it('OAEP: our ciphertexts decrypt with OpenSSL, OpenSSL’s decrypt here (SHA-256 and SHA-1, label with its terminating zero)', () =>
      withKey(rsaExternal(rsa), async (h) => {
        const label = Buffer.from('label\0');
        for (const [alg, id] of [['sha256', SHA256], ['sha1', SHA1], ['sha512', SHA512]] as const) {
          const ct = await encrypt(h, message, scheme(OAEP, id), label);
          expect(ct.length).to.equal(256);
          expect(crypto.privateDecrypt({ key: rsa, oaepHash: alg, oaepLabel: label }, ct), alg).to.deep.equal(message);
          const theirs = crypto.publicEncrypt({ key: rsa, oaepHash: alg, oaepLabel: label }, message);
          expect(await decrypt(h, theirs, scheme(OAEP, id), label), alg).to.deep.equal(message);
        }
      }));

    it('RSAES-PKCS1-v1_5 both ways (our padding checked after a raw private operation)', () =>
      withKey(rsaExternal(rsa), async (h) => {
        const em = crypto.privateDecrypt({ key: rsa, padding: crypto.constants.RSA_NO_PADDING }, await encrypt(h, message, scheme(RSAES)));
        expect(em.subarray(0, 2)).to.deep.equal(Buffer.from([0, 2]));
        const sep = em.indexOf(0, 2);
        expect(sep).to.equal(256 - message.length - 1);
        expect(em.subarray(2, sep).includes(0)).to.equal(false);
        expect(em.subarray(sep + 1)).to.deep.equal(message);
        const theirs = crypto.publicEncrypt({ key: rsa, padding: crypto.constants.RSA_PKCS1_PADDING }, message);
        expect(await decrypt(h, theirs, scheme(RSAES))).to.deep.equal(message);
      }));

    it('NULL scheme is textbook RSA on the right-aligned message; decryption returns the whole block', () =>
      withKey(rsaExternal(rsa), async (h) => {
        const block = Buffer.concat([Buffer.alloc(256 - message.length), message]);
        const ct = await encrypt(h, Buffer.concat([Buffer.alloc(3), message]));
        expect(ct).to.deep.equal(crypto.publicEncrypt({ key: rsa, padding: crypto.constants.RSA_NO_PADDING }, block));
        expect(await decrypt(h, ct)).to.deep.equal(block);
      }));

    it('a key with a default scheme uses it when the command names none', () =>
      withKey(rsaExternal(rsa, A.userWithAuth | A.decrypt, scheme(OAEP)), async (h) => {
        const ct = await encrypt(h, message);
        expect(crypto.privateDecrypt({ key: rsa, oaepHash: 'sha256' }, ct)).to.deep.equal(message);
        expect(await decrypt(h, ct)).to.deep.equal(message);
      }));

    it('RSA_Encrypt needs no private part and no authorization', () =>
      withKey(rsaExternal(crypto.createPublicKey(rsa), A.userWithAuth | A.decrypt), async (h) => {
        expect(crypto.privateDecrypt({ key: rsa, oaepHash: 'sha256' }, await encrypt(h, message, scheme(OAEP)))).to.deep.equal(message);
      }));
  });

  describe('ECDH against node:crypto', () => {
    for (const curve of ['P-256', 'P-384', 'P-521']) {
      it(`${curve}: KeyGen's Z is what the ephemeral key and the TPM key agree on; ZGen's Z is OpenSSL's ECDH`, async () => {
        const key = crypto.generateKeyPairSync('ec', { namedCurve: curve }).privateKey;
        const size = { 'P-256': 32, 'P-384': 48, 'P-521': 66 }[curve]!;
        await withKey(eccExternal(key), async (h) => {
          const { zPoint, pubPoint } = await client.run(ECDH_KeyGen, { handles: { keyHandle: h }, params: {} });
          expect(zPoint.x.length).to.equal(size);
          expect(pubPoint.y.length).to.equal(size);
          expect(crypto.diffieHellman({ privateKey: key, publicKey: ecPublicKey(curve, pubPoint) })).to.deep.equal(zPoint.x);
          const eph = crypto.generateKeyPairSync('ec', { namedCurve: curve }).privateKey;
          const { outPoint } = await client.run(ECDH_ZGen, { handles: { keyHandle: h }, params: { inPoint: ecPoint(eph) }, auth: PW });
          expect(outPoint.x).to.deep.equal(crypto.diffieHellman({ privateKey: eph, publicKey: crypto.createPublicKey(key) }));
        });
      });
    }

    it('ZGen accepts coordinates with leading zero octets (they are numbers), like swtpm', async () => {
      const key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const eph = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const p = ecPoint(eph);
      await withKey(eccExternal(key), async (h) => {
        const { outPoint } = await client.run(ECDH_ZGen, { handles: { keyHandle: h }, params: { inPoint: { x: Buffer.concat([Buffer.alloc(1), p.x]), y: p.y } }, auth: PW });
        expect(outPoint.x).to.deep.equal(crypto.diffieHellman({ privateKey: eph, publicKey: crypto.createPublicKey(key) }));
      });
    });
  });

  describe('response codes, each as swtpm 0.7.1 answered the same command', () => {
    const oaepCt = () => crypto.publicEncrypt({ key: rsa, oaepHash: 'sha256' }, message);

    it('RSA: label, scheme, key attributes, sizes', async () => {
      await withKey(rsaExternal(rsa), async (h) => {
        const cases: [string, () => Promise<unknown>, number][] = [
          ['encrypt: label without its terminating zero', () => encrypt(h, message, scheme(OAEP), Buffer.from('abc')), 0x3c4],
          ['decrypt: label without its terminating zero', () => decrypt(h, oaepCt(), scheme(OAEP), Buffer.from('abc')), 0x3c4],
          ['encrypt: raw message longer than the modulus', () => encrypt(h, Buffer.alloc(257, 1)), 0x084],
          ['decrypt: ciphertext one octet short', () => decrypt(h, oaepCt().subarray(1), scheme(OAEP)), 0x095],
          ['decrypt: empty ciphertext', () => decrypt(h, none), 0x095],
        ];
        for (const [name, run, rc] of cases) expect(await rcOf(run()), name).to.equal(rc);
      });
      await withKey(rsaExternal(rsa, A.userWithAuth | A.decrypt, scheme(OAEP)), async (h) => {
        expect(await rcOf(encrypt(h, message, scheme(RSAES))), 'RSAES for an OAEP key').to.equal(0x2d2);
        expect(await rcOf(encrypt(h, message, scheme(OAEP, SHA1))), 'OAEP-SHA1 for an OAEP-SHA256 key').to.equal(0x2d2);
        expect(await rcOf(decrypt(h, oaepCt(), scheme(RSAES), Buffer.from('x'))), 'label is checked before the scheme').to.equal(0x3c4);
      });
      await withKey(rsaExternal(rsa, A.userWithAuth | A.sign), async (h) => {
        expect(await rcOf(encrypt(h, message, scheme(OAEP)))).to.equal(0x182);
        expect(await rcOf(decrypt(h, oaepCt(), scheme(OAEP)))).to.equal(0x182);
      });
      await withKey(rsaExternal(crypto.createPublicKey(rsa), A.userWithAuth | A.decrypt), async (h) => expect(await rcOf(decrypt(h, oaepCt(), scheme(OAEP)))).to.equal(0x12f));
      await withKey(eccExternal(crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey), async (h) => {
        expect(await rcOf(encrypt(h, message, scheme(OAEP)))).to.equal(0x19c);
        expect(await rcOf(decrypt(h, oaepCt(), scheme(OAEP)))).to.equal(0x19c);
      });
    });

    // swtpm 0.7.1 answers TPM_RC_FAILURE (0x101) to these: libtpms maps every OpenSSL failure to it.
    // We answer as the reference implementation (TPM_RC_VALUE; TPM_RC_SIZE for RSADP input >= n).
    it('RSA: too long, not below the modulus, bad padding (reference codes, not swtpm’s 0x101)', () =>
      withKey(rsaExternal(rsa), async (h) => {
        const cases: [string, () => Promise<unknown>, number][] = [
          ['OAEP message too long', () => encrypt(h, Buffer.alloc(191, 1), scheme(OAEP)), 0x084],
          ['RSAES message too long', () => encrypt(h, Buffer.alloc(246, 1), scheme(RSAES)), 0x084],
          ['raw message not below n', () => encrypt(h, Buffer.alloc(256, 0xff)), 0x084],
          ['ciphertext not below n', () => decrypt(h, Buffer.alloc(256, 0xff), scheme(OAEP)), 0x095],
          ['bad OAEP padding', () => decrypt(h, Buffer.alloc(256, 0x11), scheme(OAEP)), 0x084],
          ['bad RSAES padding', () => decrypt(h, Buffer.alloc(256, 0x11), scheme(RSAES)), 0x084],
          ['OAEP with the wrong label', () => decrypt(h, oaepCt(), scheme(OAEP), Buffer.from('x\0')), 0x084],
        ];
        for (const [name, run, rc] of cases) expect(await rcOf(run()), name).to.equal(rc);
        expect((await encrypt(h, Buffer.alloc(190, 1), scheme(OAEP))).length, 'largest OAEP-SHA256 message').to.equal(256);
        expect((await encrypt(h, Buffer.alloc(245, 1), scheme(RSAES))).length, 'largest RSAES message').to.equal(256);
      }));

    it('ECDH: points off the curve (TPM_RC_ECC_POINT + P1), key type, attributes and scheme', async () => {
      const key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const p = ecPoint(crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
      const zgen = (h: number, inPoint: { x: Buffer; y: Buffer }) => client.run(ECDH_ZGen, { handles: { keyHandle: h }, params: { inPoint }, auth: PW });
      await withKey(eccExternal(key), async (h) => {
        const cases: [string, { x: Buffer; y: Buffer }, number][] = [
          ['y changed', { x: p.x, y: Buffer.from(p.y).fill(1, 31) }, 0x1e7],
          ['(0, 0)', { x: Buffer.alloc(32), y: Buffer.alloc(32) }, 0x1e7],
          ['empty coordinates', { x: none, y: none }, 0x1e7],
          ['x not below p', { x: Buffer.alloc(32, 0xff), y: p.y }, 0x1e7],
          ['a P-384 point', ecPoint(crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey), 0x1e7],
        ];
        for (const [name, point, rc] of cases) expect(await rcOf(zgen(h, point)), name).to.equal(rc);
      });
      await withKey(eccExternal(key, A.userWithAuth | A.sign, scheme(ECDSA)), async (h) => {
        expect(await rcOf(zgen(h, p)), 'sign-only key').to.equal(0x182);
        expect(await rcOf(client.run(ECDH_KeyGen, { handles: { keyHandle: h }, params: {} })), 'KeyGen takes any ECC key').to.equal(0);
      });
      await withKey(eccExternal(key, A.userWithAuth | A.decrypt, scheme(ECMQV)), async (h) => expect(await rcOf(zgen(h, p)), 'ECMQV key').to.equal(0x192));
      await withKey(eccExternal(crypto.createPublicKey(key), A.userWithAuth | A.decrypt), async (h) => expect(await rcOf(zgen(h, p)), 'public-only key').to.equal(0x12f));
      await withKey(rsaExternal(rsa), async (h) => {
        expect(await rcOf(client.run(ECDH_KeyGen, { handles: { keyHandle: h }, params: {} }))).to.equal(0x19c);
        expect(await rcOf(zgen(h, p))).to.equal(0x19c);
      });
    });
  });
});
