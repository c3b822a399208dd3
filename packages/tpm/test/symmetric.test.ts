import { expect } from 'chai';
import crypto from 'node:crypto';
import { ContextLoad, ContextSave, EncryptDecrypt, EncryptDecrypt2, EventSequenceComplete, FlushContext, HMAC, HMAC_Start, SequenceComplete, SequenceUpdate, type TpmClient } from '../src/index.js';
import { A, NULL, RH_NULL, RH_OWNER, SHA1, SHA256, aesExternal, hmacExternal, rsaExternal, scheme, withExternalKey, type External } from './cryptoHelpers.js';
import { rcOf } from './kit/responseCodes.js';
import { PW, startTpm } from './kit/startedTpm.js';

const CTR = 0x40, OFB = 0x41, CBC = 0x42, CFB = 0x43, ECB = 0x44, HMAC_ALG = 0x05;
const SHA384 = 0x0c;
const key128 = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const iv = Buffer.from('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', 'hex');
const NODE_MODE: Record<number, string> = { [CTR]: 'ctr', [OFB]: 'ofb', [CBC]: 'cbc', [CFB]: 'cfb', [ECB]: 'ecb' };

describe('EncryptDecrypt, EncryptDecrypt2, HMAC, HMAC_Start', function () {
  this.timeout(20000);
  let client: TpmClient;
  before(async () => ({ client } = await startTpm('crypto tests')));

  const withKey = <T>(ext: External, body: (handle: number, name: Buffer) => Promise<T>) => withExternalKey(client, ext, body);
  const ed = (keyHandle: number, decrypt: boolean, mode: number, ivIn: Buffer, inData: Buffer) => client.run(EncryptDecrypt, { handles: { keyHandle }, params: { decrypt, mode, ivIn, inData }, auth: PW });
  const ed2 = (keyHandle: number, decrypt: boolean, mode: number, ivIn: Buffer, inData: Buffer) => client.run(EncryptDecrypt2, { handles: { keyHandle }, params: { inData, decrypt, mode, ivIn }, auth: PW });

  describe('AES against node:crypto', () => {
    for (const mode of [CFB, CBC, CTR, OFB, ECB]) {
      it(`AES-128 and AES-256 ${NODE_MODE[mode]}: both commands equal OpenSSL; whole blocks chain through ivOut`, async () => {
        for (const secret of [key128, Buffer.alloc(32, 0x5c)]) {
          await withKey(aesExternal(secret, NULL), async (h) => {
            const data = crypto.randomBytes(48);
            const ivIn = mode === ECB ? Buffer.alloc(0) : iv;
            const c = crypto.createCipheriv(`aes-${secret.length * 8}-${NODE_MODE[mode]}`, secret, mode === ECB ? null : iv).setAutoPadding(false);
            const expected = Buffer.concat([c.update(data), c.final()]);
            for (const run of [ed, ed2]) {
              expect((await run(h, false, mode, ivIn, data)).outData).to.deep.equal(expected);
              expect((await run(h, true, mode, ivIn, expected)).outData).to.deep.equal(data);
              const first = await run(h, false, mode, ivIn, data.subarray(0, 16));
              const second = await run(h, false, mode, first.ivOut, data.subarray(16));
              expect(Buffer.concat([first.outData, second.outData])).to.deep.equal(expected);
            }
          });
        }
      });
    }

    // outData and ivOut exactly as swtpm 0.7.1 returned them (key 00..0f, iv f0..ff, data 0x33...).
    // A partial CFB block leaves its ciphertext followed by the rest of its keystream block (OpenSSL).
    const KNOWN: [string, number, number, boolean, string, string][] = [
      ['CFB', CFB, 20, false, '5594f4db0761027ba462ed3400259e9e35fea019', '35fea0196a7972c3ec752fcabd009ec8'],
      ['CFB', CFB, 5, true, '5594f4db07', '33333333335231489751de073316adad'],
      ['OFB', OFB, 20, false, '5594f4db0761027ba462ed3400259e9e5d52aa89', '6e6199ba56d58c520b6e6516f1ca81aa'],
      ['OFB', OFB, 5, true, '5594f4db07', '66a7c7e8345231489751de073316adad'],
      ['CTR', CTR, 20, false, '5594f4db0761027ba462ed3400259e9e81b2e433', 'f0f1f2f3f4f5f6f7f8f9fafbfcfdff01'],
      ['CTR', CTR, 5, true, '5594f4db07', 'f0f1f2f3f4f5f6f7f8f9fafbfcfdff00'],
      ['CBC', CBC, 32, false, '466a2f04afdd80992049ef7026bc3726180cc0f9072480c91a6190a38afeae94', '180cc0f9072480c91a6190a38afeae94'],
      ['ECB', ECB, 32, false, 'aa7f07422bd898330d8bdb89d3099cdeaa7f07422bd898330d8bdb89d3099cde', ''],
    ];
    it('ivOut after partial blocks equals swtpm’s (known answers)', () =>
      withKey(aesExternal(key128, NULL), async (h) => {
        for (const [name, mode, len, decrypt, out, ivOut] of KNOWN) {
          const r = await ed(h, decrypt, mode, mode === ECB ? Buffer.alloc(0) : iv, Buffer.alloc(len, 0x33));
          expect([r.outData.toString('hex'), r.ivOut.toString('hex')], `${name} ${len} ${decrypt ? 'decrypt' : 'encrypt'}`).to.deep.equal([out, ivOut]);
        }
        expect((await ed(h, false, CFB, iv, Buffer.alloc(0))).ivOut, 'no data: ivOut = ivIn').to.deep.equal(iv);
      }));

    it('the key mode wins when the command names none (TPM_ALG_NULL)', () =>
      withKey(aesExternal(key128, CTR), async (h) => {
        const c = crypto.createCipheriv('aes-128-ctr', key128, iv);
        expect((await ed(h, false, NULL, iv, Buffer.from('counter mode'))).outData).to.deep.equal(c.update('counter mode'));
      }));
  });

  describe('HMAC and HMAC sequences against node:crypto', () => {
    const secret = Buffer.alloc(32, 0x42);
    const mac = (alg: string, ...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), crypto.createHmac(alg, secret)).digest();

    it('HMAC with the key scheme hash, or with the requested hash for a key without scheme', async () => {
      await withKey(hmacExternal(secret, A.userWithAuth | A.sign, scheme(HMAC_ALG, SHA384)), async (h) => {
        expect((await client.run(HMAC, { handles: { handle: h }, params: { buffer: Buffer.from('data'), hashAlg: NULL }, auth: PW })).outHMAC).to.deep.equal(mac('sha384', Buffer.from('data')));
        expect((await client.run(HMAC, { handles: { handle: h }, params: { buffer: Buffer.from('data'), hashAlg: SHA384 }, auth: PW })).outHMAC).to.deep.equal(mac('sha384', Buffer.from('data')));
      });
      await withKey(hmacExternal(secret, A.userWithAuth | A.sign | A.decrypt, scheme(NULL)), async (h) => {
        for (const [alg, id] of [['sha1', SHA1], ['sha256', SHA256]] as const) {
          expect((await client.run(HMAC, { handles: { handle: h }, params: { buffer: Buffer.from('data'), hashAlg: id }, auth: PW })).outHMAC).to.deep.equal(mac(alg, Buffer.from('data')));
        }
      });
    });

    it('HMAC_Start + SequenceUpdate + SequenceComplete: the HMAC of all parts, with a NULL ticket', () =>
      withKey(hmacExternal(secret), async (h) => {
        const seq = (await client.run(HMAC_Start, { handles: { handle: h }, params: { auth: Buffer.from('seq'), hashAlg: NULL }, auth: PW })).handle;
        const seqAuth = [{ password: 'seq' }];
        const parts = [Buffer.alloc(1000, 1), Buffer.alloc(1024, 2), Buffer.from('end')];
        await client.run(SequenceUpdate, { handles: { sequenceHandle: seq }, params: { buffer: parts[0]! }, auth: seqAuth });
        await client.run(SequenceUpdate, { handles: { sequenceHandle: seq }, params: { buffer: parts[1]! }, auth: seqAuth });
        expect(await rcOf(client.run(EventSequenceComplete, { handles: { pcrHandle: RH_NULL, sequenceHandle: seq }, params: { buffer: none }, auth: [{ password: '' }, ...seqAuth] })), 'not an event sequence').to.equal(0x289);
        const done = await client.run(SequenceComplete, { handles: { sequenceHandle: seq }, params: { buffer: parts[2]!, hierarchy: RH_OWNER }, auth: seqAuth });
        expect(done.result).to.deep.equal(mac('sha256', ...parts));
        expect(done.validation).to.deep.equal({ tag: 0x8024, hierarchy: RH_NULL, digest: Buffer.alloc(0) });
      }));

    it('HMAC_Start with a key longer than the hash block (hashed first, RFC 2104)', () =>
      withKey(hmacExternal(Buffer.alloc(100, 3)), async (h) => {
        const seq = (await client.run(HMAC_Start, { handles: { handle: h }, params: { auth: none, hashAlg: NULL }, auth: PW })).handle;
        const done = await client.run(SequenceComplete, { handles: { sequenceHandle: seq }, params: { buffer: Buffer.from('data'), hierarchy: RH_NULL }, auth: PW });
        expect(done.result).to.deep.equal(crypto.createHmac('sha256', Buffer.alloc(100, 3)).update('data').digest());
      }));

    it('an HMAC sequence survives ContextSave / ContextLoad with its state', () =>
      withKey(hmacExternal(secret, A.userWithAuth | A.sign, scheme(HMAC_ALG, SHA384)), async (h) => {
        const seq = (await client.run(HMAC_Start, { handles: { handle: h }, params: { auth: none, hashAlg: NULL }, auth: PW })).handle;
        await client.run(SequenceUpdate, { handles: { sequenceHandle: seq }, params: { buffer: Buffer.from('before save, ') }, auth: PW });
        const { context } = await client.run(ContextSave, { handles: { saveHandle: seq }, params: {} });
        await client.run(FlushContext, { params: { flushHandle: seq } });
        const loaded = (await client.run(ContextLoad, { params: { context } })).handle;
        const done = await client.run(SequenceComplete, { handles: { sequenceHandle: loaded }, params: { buffer: Buffer.from('after load'), hierarchy: RH_NULL }, auth: PW });
        expect(done.result).to.deep.equal(mac('sha384', Buffer.from('before save, after load')));
      }));
  });

  describe('response codes, each as swtpm 0.7.1 answered the same command', () => {
    it('EncryptDecrypt and EncryptDecrypt2 number mode, ivIn and inData errors by their own parameter order', async () => {
      await withKey(aesExternal(key128, CFB), async (h) => {
        expect(await rcOf(ed(h, false, CBC, iv, Buffer.alloc(16))), 'mode other than the key mode').to.equal(0x2c9);
        expect(await rcOf(ed2(h, false, CBC, iv, Buffer.alloc(16)))).to.equal(0x3c9);
        expect(await rcOf(ed(h, false, CFB, iv.subarray(1), Buffer.alloc(16))), '15-octet IV').to.equal(0x3d5);
        expect(await rcOf(ed2(h, false, CFB, iv.subarray(1), Buffer.alloc(16)))).to.equal(0x4d5);
        expect(await rcOf(ed(h, false, CFB, Buffer.alloc(0), Buffer.alloc(16))), 'no IV').to.equal(0x3d5);
      });
      await withKey(aesExternal(key128, NULL), async (h) => {
        expect(await rcOf(ed(h, false, NULL, iv, Buffer.alloc(16))), 'no mode anywhere').to.equal(0x2c9);
        expect(await rcOf(ed2(h, false, NULL, iv, Buffer.alloc(16)))).to.equal(0x3c9);
        expect(await rcOf(ed(h, false, CBC, iv, Buffer.alloc(20))), 'CBC partial block').to.equal(0x4d5);
        expect(await rcOf(ed2(h, false, ECB, Buffer.alloc(0), Buffer.alloc(20))), 'ECB partial block').to.equal(0x1d5);
        expect(await rcOf(ed(h, false, ECB, iv, Buffer.alloc(16))), 'ECB with an IV').to.equal(0x3d5);
      });
      await withKey(aesExternal(key128, CFB, A.userWithAuth | A.decrypt), async (h) => {
        expect(await rcOf(ed(h, false, CFB, iv, Buffer.alloc(16))), 'encrypting needs sign').to.equal(0x182);
        expect(await rcOf(ed(h, true, CFB, iv, Buffer.alloc(16)))).to.equal(0);
      });
      await withKey(hmacExternal(Buffer.alloc(32, 1), A.userWithAuth | A.sign | A.decrypt, scheme(NULL)), async (h) => expect(await rcOf(ed(h, false, CFB, iv, Buffer.alloc(16)))).to.equal(0x19c));
    });

    it('HMAC and HMAC_Start choose the MAC first, then check the key (swtpm implements them as TPM2_MAC)', async () => {
      const hmacRc = (h: number, hashAlg: number) => rcOf(client.run(HMAC, { handles: { handle: h }, params: { buffer: Buffer.from('x'), hashAlg }, auth: PW }));
      const startRc = (h: number, hashAlg: number) => rcOf(client.run(HMAC_Start, { handles: { handle: h }, params: { auth: none, hashAlg }, auth: PW }));
      await withKey(hmacExternal(Buffer.alloc(32, 1), A.userWithAuth | A.sign, scheme(HMAC_ALG, SHA384)), async (h) => {
        expect(await hmacRc(h, SHA256), 'hash other than the key’s').to.equal(0x2c4);
        expect(await startRc(h, SHA256)).to.equal(0x2c4);
      });
      await withKey(hmacExternal(Buffer.alloc(32, 1), A.userWithAuth | A.sign | A.decrypt, scheme(NULL)), async (h) => {
        expect(await hmacRc(h, NULL), 'no hash anywhere').to.equal(0x2c4);
        expect(await startRc(h, NULL)).to.equal(0x2c4);
      });
      await withKey(hmacExternal(Buffer.alloc(32, 1), A.userWithAuth | A.decrypt, { scheme: 0x0a, details: { hashAlg: SHA256, kdf: 0x22 } }), async (h) => {
        expect(await hmacRc(h, SHA256), 'XOR (decrypt) key').to.equal(0x19c);
        expect(await startRc(h, SHA256)).to.equal(0x19c);
      });
      await withKey(aesExternal(key128, CFB), async (h) => {
        expect(await hmacRc(h, SHA256), 'AES key, hash requested').to.equal(0x2c4);
        expect(await hmacRc(h, NULL), 'AES key, its mode is no MAC').to.equal(0x2d2);
        expect(await startRc(h, SHA256)).to.equal(0x2c4);
      });
      await withKey(rsaExternal(crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey), async (h) => expect(await hmacRc(h, SHA256), 'RSA key').to.equal(0x18a));
    });
  });
});

const none = Buffer.alloc(0);
