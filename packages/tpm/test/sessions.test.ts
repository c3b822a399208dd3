import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  Create, FlushContext, GetRandom, PCR_Extend, ReadPublic, StartAuthSession, TPM_ALG, TPM_RH, TPM_SE, TPMA_SESSION, Unseal,
  TPM_CC, TpmClient, cpHash, kdfe, parameterDecrypt, parameterEncrypt, rpHash, secretDecrypt, sessionHmac, sessionKey, startSession, type TpmtPublic,
} from '../src/index.js';
import { SESSION_VECTORS as V } from './vectors/sessionVectors.js';
import { loadSealed, startedTpm } from './sessionTestKit.js';
import { createPrimary, eccSigningTemplate, eccStorageTemplate, rsaStorageTemplate } from './kit/keys.js';
import { mustFail } from './kit/responseCodes.js';

const hex = (s: string) => Buffer.from(s, 'hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest();
const AES128 = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };
const AES256 = { algorithm: TPM_ALG.AES, keyBits: 256, mode: TPM_ALG.CFB };
const XOR = { algorithm: TPM_ALG.XOR, keyBits: TPM_ALG.SHA256, mode: 0 };
const { continueSession, decrypt, encrypt } = TPMA_SESSION;

// Vectors: test/vectors/session_vectors.py (tpm2-pytss 1.2.0 internal.crypto kdfe/_kdfa and
// *_secret_to_seed, python3-cryptography 38 for AES-CFB, OAEP and ECDH), recorded in sessionVectors.ts.
describe('session crypto known answers (tpm2-pytss / python-cryptography)', () => {
  it('KDFe (Part 1, 11.4.10.3) for every hash, and beyond one digest', () => {
    const z = sha256('z');
    const u = Buffer.alloc(32, 0x11);
    const v = Buffer.alloc(32, 0x22);
    expect(kdfe(TPM_ALG.SHA1, z, 'SECRET', u, v, 160).toString('hex')).to.equal(V.kdfe.SHA1);
    expect(kdfe(TPM_ALG.SHA256, z, 'SECRET', u, v, 256).toString('hex')).to.equal(V.kdfe.SHA256);
    expect(kdfe(TPM_ALG.SHA384, z, 'SECRET', u, v, 384).toString('hex')).to.equal(V.kdfe.SHA384);
    expect(kdfe(TPM_ALG.SHA512, z, 'SECRET', u, v, 512).toString('hex')).to.equal(V.kdfe.SHA512);
    expect(kdfe(TPM_ALG.SHA256, z, 'SECRET', u, v, 520).toString('hex')).to.equal(V.kdfe.SHA256_520);
  });

  it('an ECC salt (ECDH of the ephemeral point with the key scalar, then KDFe) decrypts to pytss\'s seed', () => {
    const pub: TpmtPublic = { ...eccStorageTemplate(), unique: { x: hex(V.eccSalt.x), y: hex(V.eccSalt.y) } };
    expect(secretDecrypt(pub, hex(V.eccSalt.d), 'SECRET', hex(V.eccSalt.encryptedSalt)).toString('hex')).to.equal(V.eccSalt.seed);
  });

  it('an RSA salt (OAEP-SHA256, label "SECRET\\0") decrypts to the seed cryptography encrypted', () => {
    const pub: TpmtPublic = { ...rsaStorageTemplate(), unique: hex(V.rsaSalt.n) };
    expect(secretDecrypt(pub, hex(V.rsaSalt.p), 'SECRET', hex(V.rsaSalt.encryptedSalt)).toString('hex')).to.equal(V.rsaSalt.seed);
  });

  it('sessionKey = KDFa(SHA256, bindAuth || salt, "ATH", nonceTPM, nonceCaller, 256)', () => {
    const nonceTPM = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    const nonceCaller = Buffer.from(Array.from({ length: 32 }, (_, i) => 32 + i));
    expect(sessionKey(TPM_ALG.SHA256, Buffer.from('bindpw'), sha256('salt'), nonceTPM, nonceCaller).toString('hex')).to.equal(V.sessionKey);
  });

  it('parameter encryption AES-128/256-CFB and XOR (Part 1, 21) with key = sessionKey || authValue', () => {
    const key = Buffer.concat([hex(V.sessionKey), Buffer.from('objpw')]);
    const nonceTPM = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    const nonceCaller = Buffer.from(Array.from({ length: 32 }, (_, i) => 32 + i));
    const data = Buffer.from('secret data to seal');
    for (const [sym, expected] of [[AES128, V.cfb128], [AES256, V.cfb256], [XOR, V.xor]] as const) {
      const enc = parameterEncrypt(sym, TPM_ALG.SHA256, key, nonceCaller, nonceTPM, data);
      expect(enc.toString('hex'), `alg 0x${sym.algorithm.toString(16)}/${sym.keyBits}`).to.equal(expected);
      expect(parameterDecrypt(sym, TPM_ALG.SHA256, key, nonceCaller, nonceTPM, enc)).to.deep.equal(data);
    }
  });

  it('the first session\'s HMAC covers nonceDecrypt and nonceEncrypt of other sessions (19.6.5)', () => {
    const cp = createHash('sha256').update(Buffer.concat([hex('0000015e'), Buffer.from('name1')])).digest();
    const nonceTPM = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    const nonceCaller = Buffer.from(Array.from({ length: 32 }, (_, i) => 32 + i));
    const mac = sessionHmac(TPM_ALG.SHA256, hex(V.sessionKey), cp, nonceCaller, nonceTPM, 0x01, Buffer.alloc(32, 0xdd), Buffer.alloc(32, 0xee));
    expect(mac.toString('hex')).to.equal(V.hmacExtraNonces);
  });
});

describe('StartAuthSession: salted and bound sessions, parameter encryption (in-process)', () => {
  it('salted with an RSA and an ECC key: parameters travel encrypted both ways (AES-CFB and XOR)', async () => {
    const { client } = await startedTpm();
    for (const template of [rsaStorageTemplate(), eccStorageTemplate()]) {
      const key = await createPrimary(client, TPM_RH.OWNER, { template });
      const sealed = await loadSealed(client, key.handle, Buffer.from('the sealed secret'), { userAuth: 'objpw' });
      for (const symmetric of [AES128, AES256, XOR]) {
        const s = await startSession(client, { tpmKey: { handle: key.handle, public: key.outPublic }, symmetric });
        expect(s.sessionKey.length).to.equal(32);
        s.attributes = continueSession | encrypt;
        const u = await client.run(Unseal, { handles: { itemHandle: sealed.handle }, names: [sealed.name], auth: [{ session: s, authValue: 'objpw' }], params: {} });
        expect(u.outData.toString()).to.equal('the sealed secret');
        // decrypt: Create's inSensitive (userAuth, data) is encrypted on the way in
        s.attributes = continueSession | decrypt | encrypt;
        const c = await client.run(Create, {
          handles: { parentHandle: key.handle },
          names: [key.name],
          auth: [{ session: s }],
          params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.from('sent encrypted') }, inPublic: sealed.public, outsideInfo: Buffer.alloc(0), creationPCR: [] },
        });
        expect(c.outPrivate.length).to.be.greaterThan(0);
        await client.run(FlushContext, { params: { flushHandle: s.handle } });
      }
      await client.run(FlushContext, { params: { flushHandle: sealed.handle } });
      await client.run(FlushContext, { params: { flushHandle: key.handle } });
    }
  });

  it('a session bound to an object leaves its authValue out of the HMAC key for that object only', async () => {
    const { client } = await startedTpm();
    const key = await createPrimary(client, TPM_RH.OWNER, { template: rsaStorageTemplate(), userAuth: 'keypw' });
    const sealed = await loadSealed(client, key.handle, Buffer.from('bound'), { userAuth: 'objpw', parentAuth: { password: 'keypw' } });
    const s = await startSession(client, { bind: { handle: key.handle, name: key.name, authValue: 'keypw' }, symmetric: AES128 });
    // authorizing the bind entity: the key is sessionKey alone; a wrong authValue would not matter
    s.attributes = continueSession | encrypt;
    await client.run(ReadPublic, { handles: { objectHandle: key.handle }, params: {} });
    const u = await client.run(Unseal, { handles: { itemHandle: sealed.handle }, names: [sealed.name], auth: [{ session: s, authValue: 'objpw' }], params: {} });
    expect(u.outData.toString()).to.equal('bound');
    const wrong = await mustFail(client.run(Unseal, { handles: { itemHandle: sealed.handle }, names: [sealed.name], auth: [{ session: s, authValue: 'nope' }], params: {} }));
    expect(wrong).to.equal(0x9a2); // BAD_AUTH + session 1 (noDA object)
  });

  it('refuses a tpmKey that is no decryption key, a symmetric key, and a salt that does not decrypt', async () => {
    const { client } = await startedTpm();
    const signer = await createPrimary(client, TPM_RH.OWNER, { template: eccSigningTemplate() });
    const storage = await createPrimary(client, TPM_RH.OWNER, { template: rsaStorageTemplate() });
    const start = (tpmKey: number, encryptedSalt: Buffer) =>
      client.run(StartAuthSession, {
        handles: { tpmKey, bind: TPM_RH.NULL },
        params: { nonceCaller: Buffer.alloc(32, 1), encryptedSalt, sessionType: TPM_SE.HMAC, symmetric: AES128, authHash: TPM_ALG.SHA256 },
      });
    expect(await mustFail(start(signer.handle, Buffer.alloc(70, 1)))).to.equal(0x182); // ATTRIBUTES + handle 1
    expect(await mustFail(start(storage.handle, Buffer.alloc(256, 1)))).to.equal(0x2c4); // VALUE + parameter 2
    expect(await mustFail(start(storage.handle, Buffer.alloc(0)))).to.equal(0x2c4);
  });

  it('decrypt needs a TPM2B first parameter and one decrypt session; encrypt a TPM2B first response parameter', async () => {
    const { client } = await startedTpm();
    const a = await startSession(client, { symmetric: AES128 });
    const b = await startSession(client, { symmetric: AES128 });
    a.attributes = continueSession | decrypt;
    expect(await mustFail(client.run(PCR_Extend, { handles: { pcrHandle: 16 }, auth: [{ session: a }], params: { digests: [] } }))).to.equal(0x982);
    a.attributes = continueSession | encrypt;
    expect(await mustFail(client.run(PCR_Extend, { handles: { pcrHandle: 16 }, auth: [{ session: a }], params: { digests: [] } }))).to.equal(0x982);
    // GetRandom: no TPM2B parameter in, a TPM2B out; a session beyond the handles may encrypt
    const r = await client.run(GetRandom, { auth: [{ session: a }], params: { bytesRequested: 16 } });
    expect(r.randomBytes.length).to.equal(16);
    a.attributes = continueSession | encrypt;
    b.attributes = continueSession | encrypt;
    expect(await mustFail(client.run(GetRandom, { auth: [{ session: a }, { session: b }], params: { bytesRequested: 8 } }))).to.equal(0xa82); // ATTRIBUTES + session 2
    b.attributes = continueSession;
    expect(await mustFail(client.run(GetRandom, { auth: [{ session: a }, { session: b }], params: { bytesRequested: 8 } }))).to.equal(0xa82); // authorizes nothing, no attribute
  });

  it('an encrypt session beyond the authorizing one: its nonceTPM is in the first session\'s HMAC', async () => {
    const { client } = await startedTpm();
    const key = await createPrimary(client, TPM_RH.OWNER, { template: eccStorageTemplate() });
    const sealed = await loadSealed(client, key.handle, Buffer.from('two sessions'), { userAuth: 'pw' });
    const auth = await startSession(client, {});
    const enc = await startSession(client, { tpmKey: { handle: key.handle, public: key.outPublic }, symmetric: AES128 });
    enc.attributes = continueSession | encrypt;
    const u = await client.run(Unseal, { handles: { itemHandle: sealed.handle }, names: [sealed.name], auth: [{ session: auth, authValue: 'pw' }, { session: enc }], params: {} });
    expect(u.outData.toString()).to.equal('two sessions');
  });

  it('three loaded sessions at most: the fourth is TPM_RC_SESSION_MEMORY', async () => {
    const { client } = await startedTpm();
    for (let i = 0; i < 3; i++) await startSession(client, {});
    expect(await mustFail(startSession(client, {}))).to.equal(0x903);
  });

  it('nonceTPM has the size of nonceCaller', async () => {
    const { client } = await startedTpm();
    const s = await startSession(client, { nonceSize: 16 });
    expect(s.nonceTPM.length).to.equal(16);
  });

  it('an audit session: attributes echoed with auditExclusive, digest = H(old || cpHash || rpHash)', async () => {
    const { tpm } = await startedTpm();
    let last: Buffer = Buffer.alloc(0);
    const client = new TpmClient({ send: async (c: Buffer, l?: number) => (last = tpm.execute(c, l)) });
    const s = await startSession(client, {});
    s.attributes = continueSession | TPMA_SESSION.audit;
    const responseAttributes = () => {
      const paramEnd = 14 + last.readUInt32BE(10);
      return last[paramEnd + 2 + last.readUInt16BE(paramEnd)]!;
    };
    let digest = Buffer.alloc(32);
    for (let i = 0; i < 2; i++) {
      const r = await client.run(GetRandom, { auth: [{ session: s }], params: { bytesRequested: 8 } });
      expect(responseAttributes()).to.equal(continueSession | TPMA_SESSION.audit | TPMA_SESSION.auditExclusive);
      const cp = cpHash(TPM_ALG.SHA256, TPM_CC.GetRandom, [], Buffer.from([0, 8]));
      const rp = rpHash(TPM_ALG.SHA256, TPM_CC.GetRandom, Buffer.concat([Buffer.from([0, 8]), r.randomBytes]));
      digest = createHash('sha256').update(Buffer.concat([digest, cp, rp])).digest();
      expect(tpm.sessions.get(s.handle)!.auditDigest).to.deep.equal(digest);
    }
    // a policy session cannot audit
    const p = await startSession(client, { type: TPM_SE.POLICY });
    p.attributes = continueSession | TPMA_SESSION.audit;
    expect(await mustFail(client.run(GetRandom, { auth: [{ session: p }], params: { bytesRequested: 8 } }))).to.equal(0x982);
  });

  it('a trial session cannot authorize: TPM_RC_ATTRIBUTES + session 1', async () => {
    const { client } = await startedTpm();
    const t = await startSession(client, { type: TPM_SE.TRIAL });
    expect(await mustFail(client.run(PCR_Extend, { handles: { pcrHandle: 16 }, auth: [{ session: t }], params: { digests: [] } }))).to.equal(0x982);
  });
});
