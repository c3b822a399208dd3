import { randomBytes } from 'node:crypto';
const T = './dist/src';
const { ECC_CURVES } = await import(`${T}/crypto/eccCurves.js`);
const { eccMultiply, eccSharedX } = await import(`${T}/crypto/ecdh.js`);
const { eccPrivateScalar, eccPublicPoint } = await import(`${T}/crypto/eccKeys.js`);
const { toBytes } = await import(`${T}/crypto/bigints.js`);
const hex = (b) => BigInt('0x' + (b.toString('hex') || '0'));
let n = 0;
for (const c of ECC_CURVES) {
  const N = c.order;
  const scalars = [1n, 2n, 3n, N - 1n, N - 2n, N + 1n, 2n * N - 1n, N, 0n];
  for (let i = 0; i < 200; i++) scalars.push(hex(eccPrivateScalar(c, { bytes: randomBytes })));
  for (let j = 0; j < 20; j++) {
    const P = eccPublicPoint(c, eccPrivateScalar(c, { bytes: randomBytes }));
    const Pn = c.noble.Point.fromAffine({ x: hex(P.x), y: hex(P.y) });
    for (const s of scalars) {
      const d = toBytes(s, c.size + 1);
      const mine = eccMultiply(c, P, d);
      const k = s % N;
      const ref = k === 0n ? null : Pn.multiply(k).toAffine();
      if (ref === null ? mine !== null : (hex(mine.x) !== ref.x || hex(mine.y) !== ref.y || mine.x.length !== c.size || mine.y.length !== c.size)) { console.log('MISMATCH', c.jwkName, s); process.exit(1); }
      if (k !== 0n && !hex(eccSharedX(c, P, k)) === ref.x) { console.log('X MISMATCH'); process.exit(1); }
      n++;
    }
  }
  // off-curve and oversize points
  const P = eccPublicPoint(c, eccPrivateScalar(c, { bytes: randomBytes }));
  const bad = [{ x: P.x, y: Buffer.from(P.y).fill(7, 0, 1) }, { x: Buffer.alloc(c.size), y: Buffer.alloc(c.size) }, { x: Buffer.concat([Buffer.alloc(3), P.x]), y: P.y }, { x: Buffer.alloc(c.size, 0xff), y: P.y }, { x: Buffer.concat([Buffer.from([1]), P.x]), y: P.y }];
  console.log(c.jwkName, bad.map((b) => eccSharedX(c, b, 5n) === null ? 'rejected' : 'ACCEPTED').join(' '));
}
console.log('identical', n);
