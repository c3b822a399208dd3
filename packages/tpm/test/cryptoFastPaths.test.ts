import { expect } from 'chai';
import { createECDH, createHash, createHmac, createPublicKey, generatePrimeSync, randomBytes, verify as nodeVerify } from 'node:crypto';
import { CreatePrimary, FlushContext, TPM_ALG, TPM_RC, TPM_RH, TpmError, ekTemplate, type EkTemplateId, type EccPoint, type TpmtPublic } from '../src/index.js';
import { toBigInt, toBytes } from '../src/crypto/bigints.js';
import { ECC_CURVES, type EccCurve } from '../src/crypto/eccCurves.js';
import { eccPrivateScalar, eccPublicPoint } from '../src/crypto/eccKeys.js';
import { ecdsaSign, ecdsaVerify, schnorrSign, schnorrVerify } from '../src/crypto/eccSignatures.js';
import { eccMultiply, eccSharedX } from '../src/crypto/ecdh.js';
import { hash, hmac } from '../src/crypto/hashAlgorithms.js';
import { KdfStream } from '../src/crypto/kdfStream.js';
import { hasSmallFactor, rsaKeyFromSource } from '../src/crypto/rsaKeys.js';
import { secretDecrypt, secretEncrypt } from '../src/crypto/asymmetricSecret.js';
import { unwrapSensitive, wrapSensitive } from '../src/objects/protectedStorage.js';
import { startTpm } from './kit/startedTpm.js';

/*
 * The fast paths of the crypto layer (trial division before OpenSSL's prime test, OpenSSL point
 * multiplication, one-shot hashes and HMAC, cached KDFa keys) must give exactly what the code
 * before them gave. The pinned values below were computed with that code (noble point arithmetic,
 * checkPrimeSync on every candidate) before the change.
 */

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const big = (b: Uint8Array) => toBigInt(b);
const nobleBase = (c: EccCurve, d: bigint) => c.noble.Point.BASE.multiply(d).toAffine();
const random = { bytes: (n: number) => randomBytes(n) };

describe('deterministic keys stay as they were (pinned before the crypto fast paths)', function () {
  this.timeout(60000);

  it('RSA primes from a KdfStream: the same p and n (the sieve only skips composites)', () => {
    const source = (bits: number) => new KdfStream(TPM_ALG.SHA256, Buffer.alloc(32, 0x5a), 'pin', Buffer.from(`rsa${bits}`));
    const k1024 = rsaKeyFromSource(source(1024), 1024, 0, 1);
    expect(hex(k1024.p)).to.equal('dd5fb222bd09830c5f0428a5e8376162f926d70f5eff23b1b1c52bc35c72735abe8cb9b1782fbb07640993244a866046bba3bc59e613e6e0efa5c108de55f33d');
    expect(sha256(k1024.n)).to.equal('94704169dec1a38a77d733d7221fc7cef6988260e93edb4712dd79a448d6068e');
    const k2048 = rsaKeyFromSource(source(2048), 2048, 0, 1);
    expect(hex(k2048.p)).to.equal(
      'c480c2b24d4ebcae0be03cb1782e5d47f9754d82f26dc3c2527f6783d49eaf9ff2bab8c7e058c896fe5358317968ef548dba2a8ad5f4a72ca4f268530d7a165f' +
      'dacdbb2460412a916d4a3c913ee753fcb398ac551cbf4f74605de01cbd17e6b29a2d7a0576bc8ce84f88dab853b7f20b30fccf4241b9571dd49e088dacdbfb6f',
    );
    expect(sha256(k2048.n)).to.equal('a1769fcbc68f28391d9549f05aa68877990035fc1e309db136f40c7410763e84');
  });

  it('the L-1 RSA-2048 EK of a fixed-seed TPM with prime search 1: the same modulus and Name', async () => {
    const { client } = await startTpm('pinned primary seed', { rsaPrimeSearch: 1 });
    const ek = await createPrimary(client, ekTemplate('L-1').template);
    expect(hex(ek.outPublic.unique as Buffer)).to.equal(
      'a7c0e3bc0cf2f2a5dc56ce09d9f605bd3b42212082d453b5982d1ef36fed9c0f796c6ed9ac1fb22d15ef1efc96f1202923cdf64f5c6ae6e7f4b6a1ee9eb4a528' +
      'cd81ac7729e9243a8498a2f440e4b5068c5a3db9cbc4a1e82485170a0cda6ea9ea3a232b04e371b4f533592983086cb99f9102546321d204620e27e3ea7737de' +
      'cf876fa0e827d95c13b95c8b4df6dcc1cded004d38f7bd1746fd801b86d8ea3a370913d1efe7bc1ad8eb3fd5a54985ee9f3fe4b1dd29ac1d688d1284b2a9e6e0' +
      '9c8457b53b4d28859d640e85c18ca2d034c1f818a876c58b80b7e843a284ce03ef3f14b34c020592d03e1aca2da13611810eb964d8bff02f3a17226150bb5373',
    );
    expect(hex(ek.name)).to.equal('000b4517938b1df841baf895d1ea5924aaf56095ae03c81591a2792b0f68ecf69b54');
  });

  it('ECC EKs (P-256, P-384, P-521) of a fixed-seed TPM: the same points and Names', async () => {
    const { client } = await startTpm('pinned primary seed');
    for (const [id, point, name] of ECC_EKS) {
      const ek = await createPrimary(client, ekTemplate(id).template);
      const u = ek.outPublic.unique as EccPoint;
      expect({ x: hex(u.x), y: hex(u.y) }, id).to.deep.equal(point);
      expect(hex(ek.name), id).to.equal(name);
    }
  });

  it('ECC private scalars and public points from a KdfStream', () => {
    for (const [crv, d, x, y] of ECC_SCALARS) {
      const curve = ECC_CURVES.find((c) => c.jwkName === crv)!;
      const scalar = eccPrivateScalar(curve, new KdfStream(TPM_ALG.SHA256, Buffer.alloc(32, 0x5a), 'pin', Buffer.from(crv)));
      const q = eccPublicPoint(curve, scalar);
      expect([hex(scalar), hex(q.x), hex(q.y)], crv).to.deep.equal([d, x, y]);
    }
  });
});

const ECC_EKS: [EkTemplateId, { x: string; y: string }, string][] = [
  ['L-2', { x: '4692aed33cb27cda8ca0d543e6598d1166ad932b9e13c276589ede2748dda6b9',
      y: '8e8d8e4d7b219bc31f59278712d2ad0a496ae2050ef8ad9a1beec995530c1518' }, '000b4c299e5178ef12a88593f4dbd4d9f7cd6cc67d19faed5ce39b7868e661afc5c8'],
  ['H-3', { x: '1318927532ad0f30fb81a21038236cfdebd22c8c8421137a9ffd29f28727d0dc5877fd87426f10e23317e48b86d981d3',
      y: 'dbbe02ecf0fc7bc4b85c18a3a8940fbb43b18f20731d77564220f2739b3e22ff5233eeaf47cbb3341d918bb43e595776' }, '000c9ef6b24f9734d3d9f1922ccf9a1e4c1798f5e018301cb3c0f59090cd38f9c4db00f7718ce32470b11c18e6744c30aa72'],
  ['H-4', { x: '014aacba691fad09e60f517e6fa178e81ebdf335abe008ccf7cfb15efa684f6db5d5d08bc66a56910a8f0d65ad2b65f7284039b81430f84860bc1437114c8c7c5756',
      y: '016245bae76e4a0d61e8631a18233770fe3c4e1edeadea8c14c6162ab472ac8c677bd0891ce2639f2680d34f4ed73a21701f6687da657dc594ce86e72daa293c46cf' }, '000db5eca64111fb6917297d83b271f54a30ef278018886676dfc58b8a20d505c0e684d862d464112ed545d3baa14fe5527e5dcd91f1a7906c26bc1484c911a2c41e'],
];

const ECC_SCALARS: [string, string, string, string][] = [
  ['P-256', 'f424b1fdbbdf03f05dc0cd5ed7c9e230806d4df363e9e6bedb4f909b4bded41f',
    'c55128f3032eb9d1c1105891ed4e31e42bbe7e92cb0a1a55528fa7226c87afdd',
    '2f486fde64864c460441ded78198a4ce4459a979fe437601d3165005dde8c034'],
  ['P-384', 'bf3f8051534df117cdd680956459cbf0ce035eb8ba2b57f930542cfbaf10c2f6756d5a73b35afd54db3d4b4f833a05f9',
    '2150a15859043ef5679697cbab17357879e454e25e44fe2410ea3c1349419e64c640939d5cf5fe9f78401ac09d0c5662',
    '86f6f0ec208d05a192c32e2689e91048f6a5d340a9682e966d56c3083685657eb043ca1916c051d69773186be05c44b1'],
  ['P-521', '01bc67df619de16722f121d46e8b4e564b0fbb5cc246e52852bd80f85646980c24815bfce72713857fa6e390eca537d0ea534f3c9041fd51416502c9e5f784912bfd',
    '01c48d50307b949a6726076c9ef25ff43fc424fbb285ad40825c7d00e3622e8922fc5d9c0b307490fed22c691d8acaa1fa6ef86eb6788fa8b07ff5ffe21a14ec356a',
    '00ff4bf1d620f6886339118d812a23462443e962e35b8d4e96bad05c58ca7239c8946a1bbeea114edee7fc0029356ebfc4a1ca328eb4a43afc0708616a2d16a98caf'],
];

async function createPrimary(client: Awaited<ReturnType<typeof startTpm>>['client'], template: TpmtPublic) {
  const r = await client.run(CreatePrimary, {
    handles: { primaryHandle: TPM_RH.ENDORSEMENT },
    auth: [{ password: '' }],
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
  await client.run(FlushContext, { params: { flushHandle: r.handle } });
  return r;
}

describe('RSA prime search: trial division before OpenSSL', () => {
  const smallPrimes = (limit: number) => {
    const out: bigint[] = [];
    for (let p = 3; p < limit; p += 2) if (out.every((q) => BigInt(p) % q !== 0n)) out.push(BigInt(p));
    return out;
  };

  it('flags exactly the odd numbers with an odd prime factor below 4096', () => {
    const primes = smallPrimes(4096);
    for (let i = 0; i < 3000; i++) {
      const c = toBigInt(randomBytes(64)) | 1n | (1n << 511n);
      expect(hasSmallFactor(c), c.toString(16)).to.equal(primes.some((p) => c % p === 0n));
    }
    // products of the largest sieved prime and of primes around the group boundaries
    for (const p of [3n, 4093n, ...primes.slice(10, 14), ...primes.slice(-3)]) expect(hasSmallFactor(p * ((1n << 600n) + 1n))).to.equal(true);
    expect(hasSmallFactor(4099n * 4111n), 'both factors above the bound').to.equal(false);
  });

  it('never flags a prime', () => {
    for (const bits of [512, 1024]) for (let i = 0; i < 5; i++) expect(hasSmallFactor(generatePrimeSync(bits, { bigint: true }))).to.equal(false);
  });
});

describe('ECDSA signing with OpenSSL point multiplication', () => {
  const DIGESTS: [string, number][] = [['sha1', TPM_ALG.SHA1], ['sha256', TPM_ALG.SHA256], ['sha384', TPM_ALG.SHA384], ['sha512', TPM_ALG.SHA512]];

  for (const curve of ECC_CURVES) {
    it(`${curve.jwkName}: the very signatures noble signed (RFC 6979 hedged nonce), for every digest size`, () => {
      for (let i = 0; i < 20; i++) {
        const d = eccPrivateScalar(curve, random);
        for (const size of [20, 32, 48, 64, 1, 66]) {
          const digest = randomBytes(size);
          const entropy = randomBytes(32);
          const rs = ecdsaSign(curve, d, digest, { bytes: () => Buffer.from(entropy) });
          const noble = curve.noble.sign(digest, d, { prehash: false, lowS: false, extraEntropy: entropy });
          expect(hex(Buffer.concat([rs.r, rs.s])), `${curve.jwkName} digest ${size}`).to.equal(hex(noble));
        }
      }
    });

    it(`${curve.jwkName}: node:crypto and noble verify the signatures (P1363 and DER), any digest`, () => {
      const d = eccPrivateScalar(curve, random);
      const q = eccPublicPoint(curve, d);
      const key = createPublicKey({ key: { kty: 'EC', crv: curve.jwkName, x: q.x.toString('base64url'), y: q.y.toString('base64url') }, format: 'jwk' });
      for (const [name, alg] of DIGESTS) {
        for (let i = 0; i < 5; i++) {
          const message = randomBytes(100);
          const digest = hash(alg, message);
          const rs = ecdsaSign(curve, d, digest, random);
          expect([rs.r.length, rs.s.length]).to.deep.equal([curve.size, curve.size]);
          const p1363 = Buffer.concat([rs.r, rs.s]);
          expect(nodeVerify(name, message, { key, dsaEncoding: 'ieee-p1363' }, p1363), `${curve.jwkName}/${name}`).to.equal(true);
          expect(nodeVerify(name, message, key, derSignature(rs.r, rs.s)), `${curve.jwkName}/${name} DER`).to.equal(true);
          expect(curve.noble.verify(p1363, digest, Buffer.concat([Buffer.of(4), q.x, q.y]), { prehash: false, lowS: false })).to.equal(true);
          expect(ecdsaVerify(curve, q, digest, rs)).to.equal(true);
          const other = Buffer.from(digest);
          other[0]! ^= 1;
          expect(ecdsaVerify(curve, q, other, rs)).to.equal(false);
        }
      }
    });

    it(`${curve.jwkName}: EC-Schnorr still signs and verifies`, () => {
      const d = eccPrivateScalar(curve, random);
      const q = eccPublicPoint(curve, d);
      const digest = hash(TPM_ALG.SHA256, Buffer.from('schnorr'));
      expect(schnorrVerify(curve, TPM_ALG.SHA256, q, digest, schnorrSign(curve, TPM_ALG.SHA256, d, digest, random))).to.equal(true);
    });
  }

  it('refuses a private scalar outside [1, n-1]', () => {
    const curve = ECC_CURVES[0]!;
    for (const d of [0n, curve.order, curve.order + 1n]) expect(() => ecdsaSign(curve, toBytes(d, 33), Buffer.alloc(32, 1), random)).to.throw(RangeError);
  });
});

/** ASN.1 DER Ecdsa-Sig-Value of (r, s). */
function derSignature(r: Buffer, s: Buffer): Buffer {
  const int = (v: Buffer) => {
    let b = toBytes(toBigInt(v), Math.max(1, v.length));
    while (b.length > 1 && b[0] === 0 && b[1]! < 0x80) b = b.subarray(1);
    if (b[0]! >= 0x80) b = Buffer.concat([Buffer.of(0), b]);
    return Buffer.concat([Buffer.of(0x02, b.length), b]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  const len = body.length < 0x80 ? Buffer.of(body.length) : Buffer.of(0x81, body.length);
  return Buffer.concat([Buffer.of(0x30), len, body]);
}

describe('ECC point multiplication with OpenSSL', () => {
  for (const curve of ECC_CURVES) {
    it(`${curve.jwkName}: [d]G, [d]P and x([d]P) equal noble's, edge scalars included`, () => {
      const n = curve.order;
      const scalars = [1n, 2n, 3n, n - 1n, n - 2n, n + 1n, 2n * n - 1n];
      for (let i = 0; i < 20; i++) scalars.push(big(eccPrivateScalar(curve, random)));
      for (let j = 0; j < 3; j++) {
        const P = eccPublicPoint(curve, eccPrivateScalar(curve, random));
        const Pn = curve.noble.Point.fromAffine({ x: big(P.x), y: big(P.y) });
        for (const s of scalars) {
          const k = s % n;
          const expected = Pn.multiply(k).toAffine();
          const got = eccMultiply(curve, P, toBytes(s, curve.size + 1))!;
          expect([big(got.x), big(got.y)], `${curve.jwkName} k=${k}`).to.deep.equal([expected.x, expected.y]);
          expect([got.x.length, got.y.length]).to.deep.equal([curve.size, curve.size]);
          expect(big(eccSharedX(curve, P, k)!)).to.equal(expected.x);
          const base = eccPublicPoint(curve, k);
          expect([big(base.x), big(base.y)]).to.deep.equal([nobleBase(curve, k).x, nobleBase(curve, k).y]);
        }
        expect(eccMultiply(curve, P, toBytes(n, curve.size + 1))).to.equal(null);
        expect(eccMultiply(curve, P, Buffer.alloc(curve.size))).to.equal(null);
      }
    });

    it(`${curve.jwkName}: x([d]P) refuses points off the curve or with coordinates that do not fit; leading zero octets are fine`, () => {
      const P = eccPublicPoint(curve, eccPrivateScalar(curve, random));
      const flipped = Buffer.from(P.y);
      flipped[flipped.length - 1]! ^= 1;
      expect(eccSharedX(curve, { x: P.x, y: flipped }, 5n)).to.equal(null);
      expect(eccSharedX(curve, { x: Buffer.alloc(curve.size), y: Buffer.alloc(curve.size) }, 5n)).to.equal(null);
      expect(eccSharedX(curve, { x: Buffer.alloc(curve.size, 0xff), y: P.y }, 5n)).to.equal(null);
      expect(eccSharedX(curve, { x: Buffer.concat([Buffer.of(1), P.x]), y: P.y }, 5n)).to.equal(null);
      expect(eccSharedX(curve, { x: Buffer.concat([Buffer.alloc(3), P.x]), y: P.y }, 5n)).to.deep.equal(eccSharedX(curve, P, 5n));
      expect(() => eccSharedX(curve, P, 0n)).to.throw(RangeError);
      expect(() => eccPublicPoint(curve, curve.order)).to.throw(RangeError);
    });

    it(`${curve.jwkName}: secretEncrypt / secretDecrypt agree, Z is noble's, a bad point is TPM_RC_ECC_POINT`, () => {
      const d = eccPrivateScalar(curve, random);
      const pub = eccKeyPublic(curve, eccPublicPoint(curve, d));
      const { seed, encrypted } = secretEncrypt(pub, 'SECRET');
      expect(secretDecrypt(pub, d, 'SECRET', encrypted)).to.deep.equal(seed);
      // the ephemeral point really is [d_e]G and Z = x([d]Q_e), as node's ECDH computes it
      const ecdh = createECDH(curve.nodeName);
      ecdh.setPrivateKey(d);
      const ephemeral = Buffer.concat([Buffer.of(4), encrypted.subarray(2, 2 + curve.size), encrypted.subarray(4 + curve.size)]);
      expect(big(ecdh.computeSecret(ephemeral))).to.equal(curve.noble.Point.fromBytes(ephemeral).multiply(big(d)).toAffine().x);
      const bad = Buffer.from(encrypted);
      bad[bad.length - 1]! ^= 1;
      expect(() => secretDecrypt(pub, d, 'SECRET', bad)).to.throw(TpmError).with.property('rc', TPM_RC.ECC_POINT);
    });
  }
});

function eccKeyPublic(curve: EccCurve, unique: EccPoint): TpmtPublic {
  return {
    type: TPM_ALG.ECC,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: 0,
    authPolicy: Buffer.alloc(0),
    parameters: { symmetric: { algorithm: TPM_ALG.NULL }, scheme: { scheme: TPM_ALG.NULL, details: null }, curveID: curve.id, kdf: { scheme: TPM_ALG.NULL, details: null } },
    unique,
  } as TpmtPublic;
}

describe('one-shot hash and HMAC', () => {
  const ALGS: [string, number][] = [['sha1', TPM_ALG.SHA1], ['sha256', TPM_ALG.SHA256], ['sha384', TPM_ALG.SHA384], ['sha512', TPM_ALG.SHA512]];

  it('hash of any number of parts equals createHash', () => {
    for (const [name, alg] of ALGS) {
      for (const parts of [[], [Buffer.alloc(0)], [randomBytes(1)], [randomBytes(32), randomBytes(100), Buffer.alloc(0), randomBytes(7)], [new Uint8Array(randomBytes(300))]]) {
        const h = createHash(name);
        for (const p of parts) h.update(p);
        expect(hex(hash(alg, ...parts)), name).to.equal(h.digest('hex'));
      }
    }
  });

  it('hmac equals createHmac for every key length (empty, shorter, block-sized, longer than the block)', () => {
    for (const [name, alg] of ALGS) {
      for (const keyLength of [0, 1, 20, 32, 63, 64, 65, 127, 128, 129, 200]) {
        const key = randomBytes(keyLength);
        for (const parts of [[], [randomBytes(10)], [randomBytes(4), randomBytes(64), Buffer.alloc(0), randomBytes(129)]]) {
          const h = createHmac(name, key);
          for (const p of parts) h.update(p);
          expect(hex(hmac(alg, key, ...parts)), `${name} key ${keyLength}`).to.equal(h.digest('hex'));
        }
      }
    }
  });
});

describe('protected storage with cached INTEGRITY keys', () => {
  const sensitive = { sensitiveType: TPM_ALG.KEYEDHASH, authValue: randomBytes(16), seedValue: randomBytes(32), sensitive: randomBytes(20) };
  const name = Buffer.concat([Buffer.of(0, 0x0b), randomBytes(32)]);

  it('wraps and unwraps under each name algorithm; another parent seed fails with TPM_RC_INTEGRITY', () => {
    for (const nameAlg of [TPM_ALG.SHA1, TPM_ALG.SHA256, TPM_ALG.SHA384, TPM_ALG.SHA512]) {
      const parent = { nameAlg, symKeyBits: 128, seed: randomBytes(32) };
      const blob = wrapSensitive(parent, name, sensitive);
      expect(unwrapSensitive(parent, name, blob)).to.deep.equal(sensitive);
      expect(unwrapSensitive({ ...parent }, name, blob)).to.deep.equal(sensitive);
      expect(() => unwrapSensitive({ ...parent, seed: randomBytes(32) }, name, blob)).to.throw(TpmError).with.property('rc', TPM_RC.INTEGRITY);
    }
  });

  it('a seed buffer changed in place is a different parent (the cache compares the octets)', () => {
    const parent = { nameAlg: TPM_ALG.SHA256, symKeyBits: 128, seed: randomBytes(32) };
    const blob = wrapSensitive(parent, name, sensitive);
    parent.seed[0]! ^= 0xff;
    expect(() => unwrapSensitive(parent, name, blob)).to.throw(TpmError).with.property('rc', TPM_RC.INTEGRITY);
    parent.seed[0]! ^= 0xff;
    expect(unwrapSensitive(parent, name, blob)).to.deep.equal(sensitive);
  });
});
