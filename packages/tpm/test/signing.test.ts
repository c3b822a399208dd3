import { expect } from 'chai';
import crypto from 'node:crypto';
import { CreatePrimary, FlushContext, Hash, HashSequenceStart, SequenceComplete, Sign, VerifySignature, hmac, type Signature, type Ticket, type Tpm, type TpmClient } from '../src/index.js';
import { A, NULL, RH_NULL, RH_OWNER, SHA1, SHA256, SHA512, eccExternal, hmacExternal, rsaExternal, scheme, withExternalKey, type External } from './cryptoHelpers.js';
import { rcOf } from './kit/responseCodes.js';
import { PW, startTpm } from './kit/startedTpm.js';

const RSASSA = 0x14, RSAPSS = 0x16, ECDSA = 0x18, ECDAA = 0x1a, ECSCHNORR = 0x1c, HMAC = 0x05;
const NULL_TICKET: Ticket = { tag: 0x8024, hierarchy: RH_NULL, digest: Buffer.alloc(0) };
const sha = (alg: string, data: Buffer | string) => crypto.createHash(alg).update(data).digest();
const u16 = (v: number) => Buffer.from([v >> 8, v & 0xff]);

const message = Buffer.from('vtpm signs this');
const digest = sha('sha256', message);

describe('Sign and VerifySignature', function () {
  this.timeout(20000);
  let tpm: Tpm;
  let client: TpmClient;
  const rsa2048 = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const rsa1024 = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  const ec = (namedCurve: string) => crypto.generateKeyPairSync('ec', { namedCurve }).privateKey;

  before(async () => ({ tpm, client } = await startTpm('crypto tests')));

  const withKey = <T>(ext: External, body: (handle: number, name: Buffer) => Promise<T>) => withExternalKey(client, ext, body);
  const sign = (keyHandle: number, d: Buffer, inScheme = scheme(NULL), validation = NULL_TICKET) =>
    client.run(Sign, { handles: { keyHandle }, params: { digest: d, inScheme, validation }, auth: PW }).then((r) => r.signature);
  const verify = (keyHandle: number, d: Buffer, signature: Signature) => client.run(VerifySignature, { handles: { keyHandle }, params: { digest: d, signature } });

  describe('signatures that node:crypto (OpenSSL) verifies', () => {
    it('RSASSA-PKCS1-v1_5 SHA-256 equals OpenSSL’s own (deterministic) signature', () =>
      withKey(rsaExternal(rsa2048), async (h) => {
        const sig = await sign(h, digest, scheme(RSASSA));
        expect(sig.sigAlg).to.equal(RSASSA);
        expect((sig.signature as any).sig).to.deep.equal(crypto.sign('sha256', message, rsa2048));
      }));

    it('RSASSA over a SHA-1 and a SHA-512 digest', () =>
      withKey(rsaExternal(rsa2048), async (h) => {
        for (const [alg, id] of [['sha1', SHA1], ['sha512', SHA512]] as const) {
          const sig = await sign(h, sha(alg, message), scheme(RSASSA, id));
          expect(crypto.verify(alg, message, rsa2048, (sig.signature as any).sig), alg).to.equal(true);
        }
      }));

    it('RSAPSS uses a salt as long as the digest (OpenSSL verifies with saltLength 32)', () =>
      withKey(rsaExternal(rsa2048), async (h) => {
        const sig = (await sign(h, digest, scheme(RSAPSS))).signature as any;
        const opts = (saltLength: number) => ({ key: rsa2048, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength });
        expect(crypto.verify('sha256', message, opts(32), sig.sig)).to.equal(true);
        expect(crypto.verify('sha256', message, opts(20), sig.sig)).to.equal(false);
      }));

    it('RSAPSS with SHA-512 on RSA-1024 uses the largest salt that fits (62 octets), as libtpms', () =>
      withKey(rsaExternal(rsa1024), async (h) => {
        const sig = (await sign(h, sha('sha512', message), scheme(RSAPSS, SHA512))).signature as any;
        const opts = { key: rsa1024, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 62 };
        expect(crypto.verify('sha512', message, opts, sig.sig)).to.equal(true);
      }));

    for (const [curve, alg, id] of [['P-256', 'sha256', SHA256], ['P-384', 'sha384', 0x0c], ['P-521', 'sha512', SHA512], ['P-256', 'sha512', SHA512]] as const) {
      it(`ECDSA on ${curve} over ${alg}: r and s as long as the order, verified by OpenSSL`, async () => {
        const key = ec(curve);
        await withKey(eccExternal(key), async (h) => {
          const sig = (await sign(h, sha(alg, message), scheme(ECDSA, id))).signature as any;
          const size = { 'P-256': 32, 'P-384': 48, 'P-521': 66 }[curve];
          expect(sig.signatureR.length).to.equal(size);
          expect(sig.signatureS.length).to.equal(size);
          const p1363 = Buffer.concat([sig.signatureR, sig.signatureS]);
          expect(crypto.verify(alg, message, { key, dsaEncoding: 'ieee-p1363' }, p1363)).to.equal(true);
        });
      });
    }

    it('HMAC "signature" is HMAC(key, digest)', () =>
      withKey(hmacExternal(Buffer.alloc(32, 0x42)), async (h) => {
        const sig = await sign(h, digest, scheme(HMAC));
        expect(sig).to.deep.equal({ sigAlg: HMAC, signature: { hashAlg: SHA256, digest: crypto.createHmac('sha256', Buffer.alloc(32, 0x42)).update(digest).digest() } });
      }));

    it('EC-Schnorr signatures verify with VerifySignature (cross-checked against swtpm 0.7.1 both ways)', () =>
      withKey(eccExternal(ec('P-256')), async (h) => {
        for (const [d, id] of [[digest, SHA256], [sha('sha512', message), SHA512]] as const) {
          const sig = await sign(h, d, scheme(ECSCHNORR, id));
          await verify(h, d, sig);
          expect(await rcOf(verify(h, Buffer.alloc(d.length, 1), sig))).to.equal(0x2db);
        }
      }));
  });

  it('verifies an EC-Schnorr signature made by swtpm 0.7.1 (known answer)', async () => {
    const key = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: 'YP7UuiVanTHJYet0xjVtaMBJuJI7Yfps5mliLmDyn7Y', y: 'eQP-EAi4vJmkGunpVii8ZPLxsgwtfp9Rd6PClNRGIpk' }, format: 'jwk' });
    const r = Buffer.from('23b94225d46bbeef621cb2e888b5ef091d9f6b83a57da806e59ed36842464380', 'hex');
    const s = Buffer.from('258ca0f74a4c55905bf2e3f935e0a23903aa27b7f5d32a4c20a5cf269c64ec0c', 'hex');
    await withKey(eccExternal(key), async (h) => {
      await verify(h, digest, { sigAlg: ECSCHNORR, signature: { hash: SHA256, signatureR: r, signatureS: s } });
      expect(await rcOf(verify(h, digest, { sigAlg: ECDSA, signature: { hash: SHA256, signatureR: r, signatureS: s } }))).to.equal(0x2db);
    });
  });

  describe('VerifySignature of signatures made by OpenSSL', () => {
    it('accepts RSASSA, RSAPSS with any salt length, and ECDSA; refuses a changed digest with TPM_RC_SIGNATURE + P2', async () => {
      const pss = (saltLength: number) => crypto.sign('sha256', message, { key: rsa2048, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength });
      await withKey(rsaExternal(crypto.createPublicKey(rsa2048)), async (h) => {
        await verify(h, digest, { sigAlg: RSASSA, signature: { hash: SHA256, sig: crypto.sign('sha256', message, rsa2048) } });
        for (const salt of [0, 20, 32, 222]) await verify(h, digest, { sigAlg: RSAPSS, signature: { hash: SHA256, sig: pss(salt) } });
        const bad = await rcOf(verify(h, sha('sha256', 'another message'), { sigAlg: RSASSA, signature: { hash: SHA256, sig: crypto.sign('sha256', message, rsa2048) } }));
        expect(bad).to.equal(0x2db);
      });
      const key = ec('P-384');
      await withKey(eccExternal(crypto.createPublicKey(key)), async (h) => {
        const sig = crypto.sign('sha384', message, { key, dsaEncoding: 'ieee-p1363' });
        const ecdsa = (d: Buffer) => verify(h, d, { sigAlg: ECDSA, signature: { hash: 0x0c, signatureR: sig.subarray(0, 48), signatureS: sig.subarray(48) } });
        await ecdsa(sha('sha384', message));
        expect(await rcOf(ecdsa(sha('sha384', 'x')))).to.equal(0x2db);
      });
    });

    it('returns TPMT_TK_VERIFIED = HMAC-SHA512(proof, TPM_ST_VERIFIED || digest || keyName) for a key in the owner hierarchy', () =>
      withKey(rsaExternal(crypto.createPublicKey(rsa2048)), async (h, name) => {
        const { validation } = await verify(h, digest, { sigAlg: RSASSA, signature: { hash: SHA256, sig: crypto.sign('sha256', message, rsa2048) } });
        expect(validation.tag).to.equal(0x8022);
        expect(validation.hierarchy).to.equal(RH_OWNER);
        expect(validation.digest).to.deep.equal(hmac(SHA512, tpm.hierarchies.proof(RH_OWNER), u16(0x8022), digest, name));
      }));

    it('returns a NULL ticket for a key in the NULL hierarchy', () =>
      withKey(rsaExternal(rsa2048), async (h) => {
        const sig = await sign(h, digest, scheme(RSASSA));
        expect((await verify(h, digest, sig)).validation).to.deep.equal({ tag: 0x8022, hierarchy: RH_NULL, digest: Buffer.alloc(0) });
      }));
  });

  describe('restricted signing keys need a hash-check ticket (no forged quotes)', () => {
    let key: number;
    before(async () => {
      const inPublic = {
        type: 0x23,
        nameAlg: SHA256,
        objectAttributes: A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.userWithAuth | A.restricted | A.sign,
        authPolicy: Buffer.alloc(0),
        parameters: { symmetric: { algorithm: NULL }, scheme: scheme(ECDSA), curveID: 3, kdf: scheme(NULL) },
        unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) },
      };
      const params = { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic, outsideInfo: Buffer.alloc(0), creationPCR: [] };
      key = (await client.run(CreatePrimary, { handles: { primaryHandle: RH_OWNER }, params, auth: PW })).handle;
    });
    after(() => client.run(FlushContext, { params: { flushHandle: key } }));
    const hashed = (data: Buffer, hashAlg = SHA256, hierarchy = RH_OWNER) => client.run(Hash, { params: { data, hashAlg, hierarchy } });

    it('the ticket of TPM2_Hash is HMAC-SHA512(proof, TPM_ST_HASHCHECK || hashAlg || digest)', async () => {
      const { outHash, validation } = await hashed(message);
      expect(validation.digest).to.deep.equal(hmac(SHA512, tpm.hierarchies.proof(RH_OWNER), u16(0x8024), u16(SHA256), outHash));
    });

    it('signs a digest with the ticket from Hash or from a hash sequence, in any hierarchy', async () => {
      for (const hierarchy of [RH_OWNER, 0x4000000b]) {
        const { outHash, validation } = await hashed(message, SHA256, hierarchy);
        expect((await sign(key, outHash, scheme(NULL), validation)).sigAlg).to.equal(ECDSA);
      }
      const seq = (await client.run(HashSequenceStart, { params: { auth: Buffer.alloc(0), hashAlg: SHA256 } })).handle;
      const done = await client.run(SequenceComplete, { handles: { sequenceHandle: seq }, params: { buffer: message, hierarchy: RH_OWNER }, auth: PW });
      await sign(key, done.result, scheme(NULL), done.validation);
    });

    // Expected codes: swtpm 0.7.1's answers to the same commands.
    it('refuses a NULL ticket, a ticket of another digest and the NULL ticket of TPM_GENERATED data (TPM_RC_TICKET + P3)', async () => {
      const { outHash, validation } = await hashed(message);
      expect(await rcOf(sign(key, outHash))).to.equal(0x3e0);
      expect(await rcOf(sign(key, sha('sha256', 'forged TPMS_ATTEST'), scheme(NULL), validation))).to.equal(0x3e0);
      const attest = await hashed(Buffer.concat([Buffer.from('ff544347', 'hex'), message]));
      expect(attest.validation).to.deep.equal({ tag: 0x8024, hierarchy: RH_NULL, digest: Buffer.alloc(0) });
      expect(await rcOf(sign(key, attest.outHash, scheme(NULL), attest.validation))).to.equal(0x3e0);
    });
  });

  describe('response codes, each as swtpm 0.7.1 answered the same command', () => {
    const sig = (sigAlg: number, body: object) => ({ sigAlg, signature: body }) as Signature;
    const eccSig = (sigAlg: number) => sig(sigAlg, { hash: SHA256, signatureR: Buffer.alloc(32, 1), signatureS: Buffer.alloc(32, 1) });

    it('Sign with an RSA key: scheme, digest size, ticket and key checks', () =>
      withKey(rsaExternal(rsa2048), async (h) => {
        const cases: [string, () => Promise<unknown>, number][] = [
          ['no scheme anywhere', () => sign(h, digest), 0x2d2],
          ['ECDSA for an RSA key', () => sign(h, digest, scheme(ECDSA)), 0x2d2],
          ['HMAC for an RSA key', () => sign(h, digest, scheme(HMAC)), 0x2d2],
          ['ECDAA for an RSA key', () => sign(h, digest, scheme(ECDAA)), 0x2d2],
          ['31-octet digest, no ticket', () => sign(h, digest.subarray(1), scheme(RSASSA)), 0x1d5],
          ['bogus ticket', () => sign(h, digest, scheme(RSASSA), { tag: 0x8024, hierarchy: RH_OWNER, digest: Buffer.alloc(64, 1) }), 0x3e0],
          ['ticket with an invalid hierarchy', () => sign(h, digest, scheme(RSASSA), { tag: 0x8024, hierarchy: 0x12345678, digest: Buffer.alloc(0) }), 0x3c4],
          ['ticket naming lockout', () => sign(h, digest, scheme(RSASSA), { tag: 0x8024, hierarchy: 0x4000000a, digest: Buffer.alloc(0) }), 0x3c4],
          ['ticket tagged TPM_ST_NULL', () => sign(h, digest, scheme(RSASSA), { tag: 0x8000, hierarchy: RH_NULL, digest: Buffer.alloc(0) }), 0x3d7],
        ];
        for (const [name, run, rc] of cases) expect(await rcOf(run()), name).to.equal(rc);
      }));

    it('Sign: key default scheme, decrypt-only, public-only and ECC/HMAC keys', async () => {
      await withKey(rsaExternal(rsa2048, A.userWithAuth | A.sign, scheme(RSASSA)), async (h) => {
        expect(await rcOf(sign(h, digest, scheme(RSAPSS))), 'PSS for an RSASSA key').to.equal(0x2d2);
        expect(await rcOf(sign(h, digest, scheme(RSASSA, SHA1))), 'SHA-1 for an RSASSA-SHA256 key').to.equal(0x2d2);
        expect((await sign(h, digest)).sigAlg, 'key default').to.equal(RSASSA);
      });
      await withKey(rsaExternal(rsa2048, A.userWithAuth | A.decrypt), async (h) => expect(await rcOf(sign(h, digest, scheme(RSASSA)))).to.equal(0x19c));
      await withKey(rsaExternal(crypto.createPublicKey(rsa2048)), async (h) => expect(await rcOf(sign(h, digest, scheme(RSASSA)))).to.equal(0x12f));
      await withKey(eccExternal(ec('P-256')), async (h) => {
        expect(await rcOf(sign(h, digest, scheme(ECDAA))), 'ECDAA without a commit').to.equal(0x084);
        expect(await rcOf(sign(h, digest, scheme(RSASSA))), 'RSASSA for an ECC key').to.equal(0x2d2);
      });
      await withKey(hmacExternal(Buffer.alloc(32, 1), A.userWithAuth | A.sign | A.decrypt, scheme(NULL)), async (h) => {
        expect(await rcOf(sign(h, digest, scheme(RSASSA)))).to.equal(0x2d2);
        expect(await rcOf(sign(h, digest, scheme(ECDSA)))).to.equal(0x2d2);
      });
    });

    it('VerifySignature: wrong scheme for the key type, malformed and NULL signatures', async () => {
      const good = crypto.sign('sha256', message, rsa2048);
      await withKey(rsaExternal(rsa2048), async (h) => {
        const cases: [string, Signature, number][] = [
          ['RSASSA naming SHA-1', sig(RSASSA, { hash: SHA1, sig: good }), 0x2db],
          ['signature one octet short', sig(RSASSA, { hash: SHA256, sig: good.subarray(1) }), 0x2db],
          ['signature above the modulus', sig(RSASSA, { hash: SHA256, sig: Buffer.alloc(256, 0xff) }), 0x2db],
          ['ECDSA for an RSA key', eccSig(ECDSA), 0x2d2],
          ['ECDAA for an RSA key', eccSig(ECDAA), 0x2d2],
          ['HMAC for an RSA key', sig(HMAC, { hashAlg: SHA256, digest: Buffer.alloc(32) }), 0x2d2],
          ['NULL signature', sig(NULL, null as never), 0x2d2],
        ];
        for (const [name, s, rc] of cases) expect(await rcOf(verify(h, digest, s)), name).to.equal(rc);
      });
      await withKey(rsaExternal(rsa2048, A.userWithAuth | A.decrypt), async (h) => expect(await rcOf(verify(h, digest, sig(RSASSA, { hash: SHA256, sig: good })))).to.equal(0x182));
      await withKey(eccExternal(ec('P-256')), async (h) => {
        expect(await rcOf(verify(h, digest, sig(ECDSA, { hash: SHA256, signatureR: Buffer.alloc(0), signatureS: Buffer.alloc(32, 1) }))), 'r = 0').to.equal(0x2db);
        expect(await rcOf(verify(h, digest, eccSig(ECDAA))), 'ECDAA cannot be verified').to.equal(0x2d2);
        expect(await rcOf(verify(h, digest, sig(RSASSA, { hash: SHA256, sig: good })))).to.equal(0x2d2);
      });
      await withKey(hmacExternal(Buffer.alloc(32, 0x42), A.userWithAuth | A.sign, scheme(HMAC, SHA512)), async (h) => {
        const sha256Mac = sig(HMAC, { hashAlg: SHA256, digest: hmac(SHA256, Buffer.alloc(32, 0x42), digest) });
        expect(await rcOf(verify(h, digest, sha256Mac)), 'an HMAC-SHA512 key vouches for no SHA-256 MAC').to.equal(0x2db);
        expect(await rcOf(verify(h, digest, sig(RSASSA, { hash: SHA256, sig: good })))).to.equal(0x2d2);
      });
    });
  });
});
