import { expect } from 'chai';
import { flushContextCommand, leadingSized, responseHandle, responseParameters, withHandle, withParameters } from '../src/commandBytes.js';

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');

describe('bench command bytes', () => {
  // Unseal(0x80000001) with an empty password session: tag, size, code, handle, authSize, auth
  const unseal = hex('8002 0000001b 0000015e 80000001 00000009 40000009 0000 00 0000');

  it('patches a handle in a copy', () => {
    const patched = withHandle(unseal, 0, 0x80000002);
    expect(patched.readUInt32BE(10)).to.equal(0x80000002);
    expect(unseal.readUInt32BE(10)).to.equal(0x80000001);
  });

  it('replaces the parameters after the auth area and fixes the size', () => {
    const out = withParameters(unseal, 1, hex('0002 abcd'));
    expect(out.subarray(unseal.length).toString('hex')).to.equal('0002abcd');
    expect(out.readUInt32BE(2)).to.equal(out.length);
  });

  it('builds FlushContext', () => {
    expect(flushContextCommand(0x80000003).toString('hex')).to.equal('80010000000e0000016580000003');
  });

  it('reads a response handle and the TPM2B fields of the parameters', () => {
    // Load response: handle, parameterSize, name (TPM2B), then an empty password auth
    const rsp = hex('8002 00000021 00000000 80000001 00000006 0004 01020304 0000 01 0000');
    expect(responseHandle(rsp)).to.equal(0x80000001);
    const [name] = leadingSized(responseParameters(rsp, 1), 1);
    expect(name!.toString('hex')).to.equal('000401020304');
  });
});
