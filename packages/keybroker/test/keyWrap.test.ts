import { expect } from 'chai';
import { aesKeyUnwrap, aesKeyWrap, generateEphemeralKey, unwrapWithEphemeralKey, wrapToEphemeralKey } from '../src/index.js';

describe('keybroker key wrap', () => {
  it('AES-256 key wrap matches RFC 3394 4.6 (256-bit key data, 256-bit KEK)', () => {
    const kek = Buffer.from('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F', 'hex');
    const key = Buffer.from('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F', 'hex');
    const wrapped = aesKeyWrap(kek, key);
    expect(wrapped.toString('hex').toUpperCase()).to.equal('28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21');
    expect(aesKeyUnwrap(kek, wrapped).equals(key)).to.equal(true);
  });

  it('ECDH-ES wrap opens only with the host ephemeral key and the same context', () => {
    const host = generateEphemeralKey();
    const key = Buffer.alloc(64, 7);
    const ctx = { vmId: 'vm1', keyVersion: 1, nonce: Buffer.alloc(32, 1), hostPublicKey: host.publicKey };
    const wrapped = wrapToEphemeralKey(key, ctx);
    expect(unwrapWithEphemeralKey(wrapped, host.privateKey, ctx).equals(key)).to.equal(true);
    expect(() => unwrapWithEphemeralKey(wrapped, generateEphemeralKey().privateKey, ctx)).to.throw();
    expect(() => unwrapWithEphemeralKey(wrapped, host.privateKey, { ...ctx, vmId: 'vm2' })).to.throw();
  });

  it('refuses a host key that is not on the curve', () => {
    const bad = Buffer.concat([Buffer.of(4), Buffer.alloc(64, 1)]);
    expect(() => wrapToEphemeralKey(Buffer.alloc(32), { vmId: 'v', keyVersion: 1, nonce: Buffer.alloc(32), hostPublicKey: bad })).to.throw();
  });
});
