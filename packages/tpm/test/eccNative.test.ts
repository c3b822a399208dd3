import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { toBigInt, toBytes } from '../src/crypto/bigints.js';
import { ECC_CURVES } from '../src/crypto/eccCurves.js';
import { eccPublicPoint } from '../src/crypto/eccKeys.js';
import { eccEphemeralExchange, eccMultiply, eccSharedX } from '../src/crypto/ecdh.js';
import { nativeAddon } from '../src/crypto/nativeAddon.js';
import { nativeEcc, nativeEcMultiply } from '../src/crypto/nativeEcc.js';

/*
 * The native curve multiplication (EC_POINT_mul in node's OpenSSL) against @noble/curves, an
 * independent implementation, and the public ECC functions with the addon on and off: same points.
 */

/** A y that no longer belongs to x (flipping its low bit keeps it below p but off the curve). */
const flipLast = (y: Buffer) => {
  const b = Buffer.from(y);
  b[b.length - 1]! ^= 1;
  return b;
};
const hex = (p: { x: Buffer; y: Buffer } | null | undefined) => p && { x: p.x.toString('hex'), y: p.y.toString('hex') };

describe('ECC multiplication: native addon, node:crypto and noble agree', function () {
  this.timeout(60000);
  const addon = nativeAddon();

  it('the native addon is built (required under CI)', function () {
    if (!addon && !process.env.CI) this.skip();
    expect(addon, 'packages/tpm/native/build/bignum.node').to.not.equal(undefined);
  });

  for (const curve of ECC_CURVES) {
    const randomScalar = () => (toBigInt(randomBytes(curve.size + 8)) % (curve.order - 1n)) + 1n;
    const noblePoint = (k: bigint) => {
      const a = curve.noble.Point.BASE.multiply(k).toAffine();
      return { x: toBytes(a.x, curve.size), y: toBytes(a.y, curve.size) };
    };

    it(`${curve.jwkName}: [k]G and [k]P equal noble's; off-curve and oversized points are refused`, function () {
      if (!addon) this.skip();
      for (let i = 0; i < 5; i++) {
        const k = randomScalar();
        const j = randomScalar();
        expect(hex(nativeEcMultiply(curve, k, null))).to.deep.equal(hex(noblePoint(k)));
        const P = noblePoint(j);
        const expected = curve.noble.Point.BASE.multiply(j).multiply(k).toAffine();
        expect(hex(nativeEcMultiply(curve, k, P))).to.deep.equal(hex({ x: toBytes(expected.x, curve.size), y: toBytes(expected.y, curve.size) }));
        expect(nativeEcMultiply(curve, k, { x: P.x, y: flipLast(P.y) })).to.equal(null);
        expect(nativeEcMultiply(curve, k, { x: Buffer.concat([Buffer.from([1]), P.x]), y: P.y })).to.equal(null);
        // leading zero octets do not matter
        expect(hex(nativeEcMultiply(curve, k, { x: Buffer.concat([Buffer.alloc(2), P.x]), y: P.y }))).to.deep.equal(hex(nativeEcMultiply(curve, k, P)));
      }
    });

    it(`${curve.jwkName}: eccPublicPoint, eccSharedX, eccMultiply and eccEphemeralExchange give the same with the addon and without`, () => {
      const k = randomScalar();
      const P = noblePoint(randomScalar());
      const d = toBytes(k, curve.size);
      const run = () => ({
        pub: hex(eccPublicPoint(curve, d)),
        x: eccSharedX(curve, P, d)?.toString('hex'),
        full: hex(eccMultiply(curve, P, d)),
        exchange: (({ q, z }) => ({ q: hex(q), z: z.toString('hex') }))(eccEphemeralExchange(curve, P, d)!),
        offCurve: eccSharedX(curve, { x: P.x, y: flipLast(P.y) }, d),
      });
      const withAddon = run();
      nativeEcc.enabled = false;
      try {
        expect(run()).to.deep.equal(withAddon);
      } finally {
        nativeEcc.enabled = true;
      }
      expect(withAddon.pub).to.deep.equal(hex(noblePoint(k)));
      expect(withAddon.offCurve).to.equal(null);
      expect(() => eccSharedX(curve, P, 0n)).to.throw(RangeError);
      expect(() => eccSharedX(curve, P, curve.order)).to.throw(RangeError);
    });
  }
});
