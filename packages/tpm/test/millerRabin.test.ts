import { expect } from 'chai';
import { checkPrimeSync, generatePrimeSync, randomBytes } from 'node:crypto';
import { isProbablePrime, millerRabinRounds } from '../src/crypto/millerRabin.js';

/** isProbablePrime against OpenSSL's own test (64 rounds), the independent reference. */
describe('Miller-Rabin on OpenSSL exponentiation (RSA prime search)', function () {
  this.timeout(60_000);
  it('agrees with OpenSSL on every odd number from 5 to 20001', () => {
    for (let n = 5n; n <= 20001n; n += 2n) expect(isProbablePrime(n), n.toString()).to.equal(checkPrimeSync(n));
  });

  it('rejects Carmichael numbers and strong pseudoprimes to small bases', () => {
    // 561..: Carmichael (fool Fermat for every coprime base); 2047, 3215031751, 3825123056546413051: strong pseudoprimes to bases 2 / 2,3,5,7 / 2..23
    for (const n of [561n, 1105n, 1729n, 2465n, 41041n, 825265n, 321197185n, 2047n, 3215031751n, 3825123056546413051n]) expect(isProbablePrime(n), n.toString()).to.equal(false);
  });

  it('accepts primes and rejects random odd numbers exactly as OpenSSL does, 64 to 2048 bits', () => {
    for (const bits of [64, 256, 512, 1024, 1536, 2048]) {
      for (let i = 0; i < (bits > 1024 ? 1 : 3); i++) expect(isProbablePrime(generatePrimeSync(bits, { bigint: true })), `${bits}-bit prime`).to.equal(true);
      for (let i = 0; i < 40; i++) {
        const b = randomBytes(bits / 8);
        b[0]! |= 0x80;
        b[b.length - 1]! |= 1;
        const n = BigInt(`0x${b.toString('hex')}`);
        expect(isProbablePrime(n), n.toString(16)).to.equal(checkPrimeSync(n));
      }
    }
  });

  it('rejects a product of two primes of the sizes RSA uses, and falls back to OpenSSL above 3072 bits', () => {
    const p = generatePrimeSync(512, { bigint: true });
    const q = generatePrimeSync(512, { bigint: true });
    expect(isProbablePrime(p * q)).to.equal(false);
    const m3217 = (1n << 3217n) - 1n; // a Mersenne prime
    expect(isProbablePrime(m3217)).to.equal(true);
    expect(isProbablePrime(m3217 * 3n * 5n + 2n)).to.equal(checkPrimeSync(m3217 * 15n + 2n));
  });

  it('runs at least the FIPS 186-5 Table B.1 round counts', () => {
    expect(millerRabinRounds(512)).to.be.at.least(7);
    expect(millerRabinRounds(1024)).to.be.at.least(5);
    expect(millerRabinRounds(1536)).to.be.at.least(4);
  });
});
