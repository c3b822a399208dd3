import { expect } from 'chai';
import { OLDEST_STATE_FORMAT_VERSION, STATE_FORMAT_VERSION, StateFormatError, Tpm, restoreTpm } from '../src/index.js';
import { permanentFormat } from '../src/state/serialization/permanentFormat.js';
import { volatileFormat } from '../src/state/serialization/volatileFormat.js';
import { startTpm } from './kit/startedTpm.js';
import { formatError, richTpm } from './stateTestKit.js';

const flip = (b: Buffer, at: number, bit = 0) => {
  const c = Buffer.from(b);
  c[at]! ^= 1 << bit;
  return c;
};

describe('state blobs: malformed blobs are refused with StateFormatError', () => {
  it('truncated at every offset, permanent and volatile', async () => {
    const blobs = new Tpm({ seed: Buffer.from('small') }).save(); // not started: a small volatile blob
    for (let n = 0; n < blobs.permanent.length; n++) expect(formatError({ permanent: blobs.permanent.subarray(0, n) })).to.match(/^permanent state blob truncated/);
    for (let n = 0; n < blobs.volatile.length; n++) expect(formatError({ ...blobs, volatile: blobs.volatile.subarray(0, n) })).to.match(/^volatile state blob truncated/);
  });

  it('truncated at every offset of a started TPM, and with the length field patched to match', async () => {
    const { tpm } = await startTpm('trunc');
    const { permanent, volatile } = tpm.save();
    for (let n = 10; n < volatile.length; n++) {
      const cut = Buffer.from(volatile.subarray(0, n));
      cut.writeUInt32BE(n, 6); // the frame agrees: the sections must notice
      expect(formatError({ permanent, volatile: cut })).to.match(/^volatile state blob (truncated|inconsistent)/);
    }
    for (let n = 10; n < permanent.length; n++) {
      const cut = Buffer.from(permanent.subarray(0, n));
      cut.writeUInt32BE(n, 6);
      expect(formatError({ permanent: cut })).to.match(/^permanent state blob (truncated|inconsistent)/);
    }
  });

  it('any flipped bit of the header', async () => {
    const { tpm } = await startTpm('header');
    const blobs = tpm.save();
    for (let at = 0; at < 10; at++) {
      for (let bit = 0; bit < 8; bit++) {
        expect(() => restoreTpm({ permanent: flip(blobs.permanent, at, bit) })).to.throw(StateFormatError);
        expect(() => restoreTpm({ ...blobs, volatile: flip(blobs.volatile, at, bit) })).to.throw(StateFormatError);
      }
    }
  });

  it('names what is wrong: magic, kind, version, length, section', async () => {
    const { tpm } = await startTpm('names');
    const { permanent, volatile } = tpm.save();
    expect(formatError({ permanent: Buffer.from('not a state blob') })).to.match(/bad magic/);
    expect(formatError({ permanent: volatile })).to.match(/it is a volatile state blob/);
    expect(formatError({ permanent, volatile: permanent })).to.match(/it is a permanent state blob/);
    const v2 = Buffer.from(permanent);
    v2.writeUInt16BE(STATE_FORMAT_VERSION + 1, 4);
    expect(formatError({ permanent: v2 })).to.match(new RegExp(`version ${STATE_FORMAT_VERSION + 1} is not supported \\(this build reads versions ${OLDEST_STATE_FORMAT_VERSION} to ${STATE_FORMAT_VERSION}\\)`));
    expect(formatError({ permanent: Buffer.concat([permanent, Buffer.alloc(3)]) })).to.match(/has 3 octets after its end/);
    const swapped = Buffer.from(permanent);
    swapped.writeUInt16BE(7, 10); // the first section's id
    expect(formatError({ permanent: swapped })).to.match(/expected section 'lifecycle' \(id 1\) at offset 10, found id 7/);
    expect(formatError({ permanent, volatile: Buffer.alloc(0) })).to.match(/^volatile state blob truncated/);
  });

  it('refuses a volatile blob saved with another permanent state', async () => {
    const f = await startTpm('pairs');
    const old = f.tpm.save();
    f.tpm.permanentStateVersion++;
    const now = f.tpm.save();
    expect(formatError({ permanent: now.permanent, volatile: old.volatile })).to.match(/saved with permanent state version 1, the permanent blob is version 2/);
  });

  it('refuses contents that do not fit together', async () => {
    const f = await richTpm();
    const { permanent, volatile } = f.tpm.save();
    const p = permanentFormat.read(permanent);
    const v = volatileFormat.read(volatile);
    const unordered = permanentFormat.write({ ...p, nv: { ...p.nv, indices: [...p.nv.indices].reverse() } });
    expect(formatError({ permanent: unordered })).to.match(/section 'nv' is malformed.*not strictly ascending/);
    // a loaded session in the slot of a saved one
    const clash = { ...v, resetData: { ...v.resetData, savedSessions: [{ handle: v.sessions.loaded[0]!.handle, sequence: 1n }] } };
    expect(formatError({ permanent, volatile: volatileFormat.write(clash) })).to.match(/inconsistent: .*session slot/);
    // PCR values that do not match the allocation
    const banks = new Map([...v.pcrs.banks].slice(1));
    expect(formatError({ permanent, volatile: volatileFormat.write({ ...v, pcrs: { ...v.pcrs, banks } }) })).to.match(/banks differ from the PCR allocation/);
    expect(formatError({ permanent, volatile: volatileFormat.write({ ...v, flags: { ...v.flags, initPending: true } }) })).to.match(/started and waiting/);
  });

  it('a flipped octet anywhere either restores or is a StateFormatError, never another exception', async () => {
    const f = await richTpm();
    const { permanent, volatile } = f.tpm.save();
    for (let at = 10; at < permanent.length; at += 3) {
      try {
        restoreTpm({ permanent: flip(permanent, at, at % 8), volatile });
      } catch (e) {
        expect(e).to.be.instanceOf(StateFormatError);
      }
    }
    for (let at = 10; at < volatile.length; at += 3) {
      try {
        restoreTpm({ permanent, volatile: flip(volatile, at, at % 8) });
      } catch (e) {
        expect(e).to.be.instanceOf(StateFormatError);
      }
    }
  });
});
