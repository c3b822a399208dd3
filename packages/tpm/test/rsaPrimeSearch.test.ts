import { expect } from 'chai';
import { checkPrimeSync, randomBytes } from 'node:crypto';
import { FlushContext, TPM_ALG, TPM_RH, objectName } from '../src/index.js';
import { javascriptArithmetic, nativeArithmetic, type BigArithmetic } from '../src/crypto/bigArithmetic.js';
import { gcd, modPow, toBigInt } from '../src/crypto/bigints.js';
import { KdfStream } from '../src/crypto/kdfStream.js';
import { rsaKeyFromSource } from '../src/crypto/rsaKeys.js';
import { SIEVE_BOUND, SIEVE_WINDOW } from '../src/crypto/sievedPrimes.js';
import { createPrimary, rsaStorageTemplate } from './kit/keys.js';
import { startTpm } from './kit/startedTpm.js';

/*
 * RSA prime search method 2 (sieved window) against an independent reference written here from its
 * description in docs/objects.md: walk start, start + 2, ... and take the first number that
 * OpenSSL's own test (checkPrimeSync, 64 rounds) calls prime, with no sieve and no Miller-Rabin of
 * ours. The sieve only strikes out composites and our Miller-Rabin agrees with OpenSSL, so both
 * must give the same key. Both arithmetic backends (the native addon and JavaScript) must too.
 */

const native = nativeArithmetic();
const backends: BigArithmetic[] = [javascriptArithmetic, ...(native ? [native] : [])];
if (!native) console.warn('  !!! native bignum addon not built (node packages/tpm/native/build.mjs): only the JavaScript arithmetic is checked');

const randomOdd = (bits: number) => {
  const b = randomBytes(bits / 8);
  b[0]! |= 0x80;
  b[b.length - 1]! |= 1;
  return toBigInt(b);
};

/** Method 2 by its definition: per draw, the first prime in the window (OpenSSL decides), below 2^bits, coprime with e - 1. */
function referencePrime(source: KdfStream, bits: number, e: bigint): bigint {
  for (;;) {
    const draw = source.bytes(bits / 8);
    draw[0]! |= 0xc0;
    draw[draw.length - 1]! |= 1;
    const start = toBigInt(draw);
    for (let i = 0; i < SIEVE_WINDOW; i++) {
      const c = start + BigInt(2 * i);
      if (c >= 1n << BigInt(bits)) break;
      if (gcd(e, c - 1n) === 1n && checkPrimeSync(c)) return c;
    }
  }
}

function referenceKey(seed: Buffer, keyBits: number, e = 65537n): { p: bigint; n: bigint } {
  const source = new KdfStream(TPM_ALG.SHA256, seed, 'Primary Object Creation', Buffer.from('reference'));
  const p = referencePrime(source, keyBits / 2, e);
  let q: bigint;
  do q = referencePrime(source, keyBits / 2, e);
  while ((p > q ? p - q : q - p) <= 1n << BigInt(keyBits / 2 - 100));
  return { p, n: p * q };
}

const derived = (seed: Buffer, keyBits: number, arithmetic: BigArithmetic, exponent = 0) =>
  rsaKeyFromSource(new KdfStream(TPM_ALG.SHA256, seed, 'Primary Object Creation', Buffer.from('reference')), keyBits, exponent, 2, arithmetic);

describe('RSA prime search method 2 (sieved window)', function () {
  this.timeout(120000);

  it('the native addon is built (required under CI, where both backends must be compared)', function () {
    if (!native && !process.env.CI) this.skip();
    expect(native, 'packages/tpm/native/build/bignum.node (node packages/tpm/native/build.mjs)').to.not.equal(undefined);
  });

  it('sieveOddWindow strikes out exactly the numbers with an odd prime factor below the bound (both backends)', () => {
    for (const [bits, bound, window] of [[1024, SIEVE_BOUND, 512], [1536, 4096, 300], [512, 3, 50], [64, 1000, 2000], [2048, 65521, 64]] as const) {
      const start = randomOdd(bits);
      const expected = Array.from({ length: window }, (_, i) => {
        const c = start + BigInt(2 * i);
        for (let p = 3n; p < BigInt(bound); p += 2n) if (c % p === 0n) return 1; // every odd divisor, prime or not: same answer
        return 0;
      });
      for (const a of backends) expect(Array.from(a.sieveOddWindow(start, window, bound)), `${a.name} ${bits} bits bound ${bound}`).to.deep.equal(expected);
    }
  });

  it('sieveOddWindow refuses an even start and a bound above 65536', () => {
    for (const a of backends) {
      expect(() => a.sieveOddWindow(10n ** 30n, 8, 100), a.name).to.throw(/odd/);
      expect(() => a.sieveOddWindow(10n ** 30n + 1n, 8, 65537), a.name).to.throw(/bound/);
    }
  });

  it('modExp and modExpPair agree with square-and-multiply in BigInt (1024-bit pairs take the AVX-512 path where there is one)', () => {
    for (const [bits1, bits2] of [[1024, 1024], [1024, 1536], [512, 2048], [64, 1024]] as const) {
      const m1 = randomOdd(bits1);
      const m2 = randomOdd(bits2);
      const x = { base: toBigInt(randomBytes(bits1 / 8)) % m1, exponent: randomOdd(bits1), modulus: m1 };
      const y = { base: toBigInt(randomBytes(bits2 / 8)) % m2, exponent: randomOdd(bits2) >> 3n, modulus: m2 };
      const expected = [modPow(x.base, x.exponent, m1), modPow(y.base, y.exponent, m2)];
      for (const a of backends) {
        expect(a.modExpPair(x, y), `${a.name} ${bits1}/${bits2}`).to.deep.equal(expected);
        expect(a.modExp(y), a.name).to.equal(expected[1]);
      }
    }
  });

  it('RSA-2048 and RSA-1024 keys equal the reference derivation, with either backend', () => {
    for (const keyBits of [1024, 2048, 2048]) {
      const seed = randomBytes(32);
      const ref = referenceKey(seed, keyBits);
      for (const a of backends) {
        const key = derived(seed, keyBits, a);
        expect(toBigInt(key.p), `${a.name} p (${keyBits})`).to.equal(ref.p);
        expect(toBigInt(key.n), `${a.name} n (${keyBits})`).to.equal(ref.n);
      }
    }
  });

  it('an RSA-3072 key equals the reference; exponent 3 skips primes p with 3 | p - 1', () => {
    const seed = randomBytes(32);
    const ref = referenceKey(seed, 3072);
    expect(toBigInt(derived(seed, 3072, backends.at(-1)!).n)).to.equal(ref.n);
    const ref3 = referenceKey(seed, 2048, 3n);
    const key3 = derived(seed, 2048, backends.at(-1)!, 3);
    expect(toBigInt(key3.n)).to.equal(ref3.n);
    expect(ref3.p % 3n).to.equal(2n);
  });

  it('the two backends derive the same keys for 20 more seeds; n has 2048 bits, p its two top bits set', () => {
    for (let i = 0; i < 20; i++) {
      const seed = randomBytes(32);
      const keys = backends.map((a) => derived(seed, 2048, a));
      for (const k of keys) expect(k.n.toString('hex')).to.equal(keys[0]!.n.toString('hex'));
      const n = toBigInt(keys[0]!.n);
      expect(n >> 2047n).to.equal(1n);
      expect(toBigInt(keys[0]!.p) >> 1022n).to.equal(3n);
      expect(n % toBigInt(keys[0]!.p)).to.equal(0n);
    }
  });

  it('methods 1 and 2 give different keys from the same source; method 2 is what a new TPM derives', async () => {
    const seed = Buffer.alloc(32, 7);
    expect(derived(seed, 2048, javascriptArithmetic).n).to.not.deep.equal(
      rsaKeyFromSource(new KdfStream(TPM_ALG.SHA256, seed, 'Primary Object Creation', Buffer.from('reference')), 2048, 0, 1).n,
    );
    for (const rsaPrimeSearch of [1, 2] as const) {
      const { tpm, client } = await startTpm(`prime search ${rsaPrimeSearch}`, { rsaPrimeSearch });
      expect(tpm.rsaPrimeSearch).to.equal(rsaPrimeSearch);
      const template = rsaStorageTemplate();
      const created = await createPrimary(client, TPM_RH.OWNER, { template });
      await client.run(FlushContext, { params: { flushHandle: created.handle } });
      const byDefinition = rsaKeyFromSource(new KdfStream(template.nameAlg, tpm.hierarchies.seed(TPM_RH.OWNER), 'Primary Object Creation', objectName(template)), 2048, 0, rsaPrimeSearch);
      expect((created.outPublic.unique as Buffer).toString('hex'), `method ${rsaPrimeSearch}`).to.equal(byDefinition.n.toString('hex'));
    }
  });
});

