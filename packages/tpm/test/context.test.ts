import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  ContextLoad, ContextSave, FlushContext, GetCapability, HashSequenceStart, HierarchyChangeAuth, HierarchyControl, ReadPublic, SequenceComplete, SequenceUpdate,
  Shutdown, StartAuthSession, TPM_ALG, TPM_CAP, TPM_RC, TPM_RH, TPM_SE, TPM_SU, type TpmsContext,
} from '../src/index.js';
import { boundHmacSession, started, storageTemplate, type Started } from './hierarchyTestKit.js';
import { createPrimary } from './kit/keys.js';
import { mustFail } from './kit/responseCodes.js';
import { reboot } from './kit/startedTpm.js';

const INTEGRITY_P1 = TPM_RC.INTEGRITY + 0x140;
const SIZE_P1 = TPM_RC.SIZE + 0x140;
const HANDLE_P1 = TPM_RC.HANDLE + 0x140;

async function save(s: Started, handle: number): Promise<TpmsContext> {
  return (await s.client.run(ContextSave, { handles: { saveHandle: handle }, params: {} })).context;
}
function load(s: Started, context: TpmsContext) {
  return s.client.run(ContextLoad, { params: { context } });
}
function flush(s: Started, handle: number) {
  return s.client.run(FlushContext, { params: { flushHandle: handle } });
}
function flipped(c: TpmsContext, at: number): TpmsContext {
  const blob = Buffer.from(c.contextBlob);
  blob[at]! ^= 0x01;
  return { ...c, contextBlob: blob };
}

describe('ContextSave / ContextLoad of objects (Part 3, 28.2-28.3)', () => {
  it('saves an object under 0x80000000 with increasing sequences and loads it back with the same Name', async () => {
    const s = await started();
    const p = await createPrimary(s.client, TPM_RH.OWNER);
    const c1 = await save(s, p.handle);
    const c2 = await save(s, p.handle);
    expect(c1).to.include({ savedHandle: 0x80000000, hierarchy: TPM_RH.OWNER, sequence: 1n });
    expect(c2.sequence).to.equal(2n);
    expect(c1.contextBlob.readUInt16BE(0)).to.equal(64); // HMAC-SHA-512 integrity first
    await flush(s, p.handle);
    const loaded = await load(s, c1);
    expect(loaded.handle).to.equal(0x80000000);
    const again = await load(s, c1); // an object context loads any number of times
    expect(again.handle).to.equal(0x80000001);
    const rp = await s.client.run(ReadPublic, { handles: { objectHandle: again.handle }, params: {} });
    expect(rp.name.equals(p.name)).to.equal(true);
  });

  it('refuses a tampered blob, sequence, hierarchy or handle with TPM_RC_INTEGRITY for parameter 1', async () => {
    const s = await started();
    const p = await createPrimary(s.client, TPM_RH.OWNER);
    const c = await save(s, p.handle);
    await flush(s, p.handle);
    expect(await mustFail(load(s, flipped(c, 2)))).to.equal(INTEGRITY_P1); // the HMAC itself
    expect(await mustFail(load(s, flipped(c, 70)))).to.equal(INTEGRITY_P1); // the encrypted context
    expect(await mustFail(load(s, flipped(c, c.contextBlob.length - 1)))).to.equal(INTEGRITY_P1);
    expect(await mustFail(load(s, { ...c, sequence: c.sequence + 1n }))).to.equal(INTEGRITY_P1);
    expect(await mustFail(load(s, { ...c, hierarchy: TPM_RH.ENDORSEMENT }))).to.equal(INTEGRITY_P1);
    expect(await mustFail(load(s, { ...c, savedHandle: 0x80000002 }))).to.equal(INTEGRITY_P1);
    // the integrity field must be a SHA-512 digest, and a fingerprint must follow
    const short = Buffer.concat([Buffer.from([0, 32]), c.contextBlob.subarray(2, 34), c.contextBlob.subarray(66)]);
    expect(await mustFail(load(s, { ...c, contextBlob: short }))).to.equal(SIZE_P1);
    expect(await mustFail(load(s, { ...c, contextBlob: c.contextBlob.subarray(0, 70) }))).to.equal(SIZE_P1);
    expect((await load(s, c)).handle).to.equal(0x80000000);
  });

  it('refuses a context from before a TPM Reset, and one from another TPM', async () => {
    const s = await started();
    const p = await createPrimary(s.client, TPM_RH.OWNER);
    const c = await save(s, p.handle);
    const other = await started('another TPM'); // same seed would be the same TPM: same proofs
    expect(await mustFail(load(other, c))).to.equal(INTEGRITY_P1);
    await reboot(s);
    expect(await mustFail(load(s, c))).to.equal(INTEGRITY_P1);
    // the owner primary itself is the same after the reset: a new context of it loads
    const p2 = await createPrimary(s.client, TPM_RH.OWNER);
    expect(p2.name.equals(p.name)).to.equal(true);
  });

  it('keeps contexts over TPM Restart, except those of stClear objects (savedHandle 0x80000002)', async () => {
    const s = await started();
    const plain = await createPrimary(s.client, TPM_RH.OWNER);
    const stClear = await createPrimary(s.client, TPM_RH.OWNER, { template: storageTemplate({ stClear: true }) });
    const c1 = await save(s, plain.handle);
    const c2 = await save(s, stClear.handle);
    expect(c2.savedHandle).to.equal(0x80000002);
    await s.client.run(Shutdown, { params: { shutdownType: TPM_SU.STATE } });
    await reboot(s, TPM_SU.CLEAR);
    expect((await load(s, c1)).handle).to.equal(0x80000000);
    expect(await mustFail(load(s, c2))).to.equal(INTEGRITY_P1);
  });

  it('round-trips a hash sequence: saved mid-way, flushed, loaded (twice) and completed', async () => {
    const s = await started();
    const seq = await s.client.run(HashSequenceStart, { params: { auth: Buffer.from('seqpw'), hashAlg: TPM_ALG.SHA256 } });
    await s.client.run(SequenceUpdate, { handles: { sequenceHandle: seq.handle }, auth: [{ password: 'seqpw' }], params: { buffer: Buffer.from('first half, ') } });
    const c = await save(s, seq.handle);
    expect(c).to.include({ savedHandle: 0x80000001, hierarchy: TPM_RH.NULL });
    await flush(s, seq.handle);
    const expected = createHash('sha256').update('first half, second half').digest();
    for (let i = 0; i < 2; i++) {
      const h = (await load(s, c)).handle;
      const done = await s.client.run(SequenceComplete, {
        handles: { sequenceHandle: h },
        auth: [{ password: 'seqpw' }],
        params: { buffer: Buffer.from('second half'), hierarchy: TPM_RH.NULL },
      });
      expect(done.result.equals(expected)).to.equal(true);
    }
  });

  it('answers TPM_RC_OBJECT_MEMORY when no transient slot is free, and TPM_RC_HIERARCHY when the hierarchy is disabled', async () => {
    const s = await started();
    const p = await createPrimary(s.client, TPM_RH.OWNER);
    const c = await save(s, p.handle);
    await load(s, c);
    await load(s, c);
    expect(await mustFail(load(s, c))).to.equal(TPM_RC.OBJECT_MEMORY);
    await s.client.run(HierarchyControl, { handles: { authHandle: TPM_RH.PLATFORM }, auth: [{ password: '' }], params: { enable: TPM_RH.OWNER, state: false } });
    expect(s.tpm.objects.count).to.equal(0); // disabling flushed the owner's objects
    expect(await mustFail(load(s, c))).to.equal(TPM_RC.HIERARCHY + 0x140);
  });
});

describe('ContextSave / ContextLoad of sessions (Part 1, 30.5)', () => {
  const getcap = async (s: Started, property: number) =>
    ((await s.client.run(GetCapability, { params: { capability: TPM_CAP.HANDLES, property, propertyCount: 64 } })).capabilityData.data as number[]);

  it('a saved session leaves memory but keeps its handle; it loads back once and still authorizes', async () => {
    const s = await started();
    await s.client.run(HierarchyChangeAuth, { handles: { authHandle: TPM_RH.ENDORSEMENT }, auth: [{ password: '' }], params: { newAuth: Buffer.from('endorse') } });
    const session = await boundHmacSession(s.client, TPM_RH.ENDORSEMENT, 'endorse');
    const c = await save(s, session.handle);
    expect(c).to.include({ savedHandle: session.handle, hierarchy: TPM_RH.NULL });
    expect(await getcap(s, 0x02000000)).to.deep.equal([]);
    expect(await getcap(s, 0x03000000)).to.deep.equal([session.handle]);
    // its slot is not handed out again while it is saved
    const other = await s.client.run(StartAuthSession, {
      handles: { tpmKey: TPM_RH.NULL, bind: TPM_RH.NULL },
      params: { nonceCaller: Buffer.alloc(16, 1), encryptedSalt: Buffer.alloc(0), sessionType: TPM_SE.POLICY, symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, authHash: TPM_ALG.SHA256 },
    });
    expect(other.handle & 0xffffff).to.not.equal(session.handle & 0xffffff);
    expect(await mustFail(createPrimary(s.client, TPM_RH.OWNER, { auth: { session } }))).to.equal(TPM_RC.REFERENCE_S0);

    expect((await load(s, c)).handle).to.equal(session.handle);
    expect(await mustFail(load(s, c))).to.equal(HANDLE_P1); // not saved any more
    // nonces and session key came back: the TPM accepts the HMAC and the client verifies the response's
    await createPrimary(s.client, TPM_RH.OWNER, { auth: { session } });

    const c2 = await save(s, session.handle);
    expect(c2.sequence > c.sequence).to.equal(true);
    expect(await mustFail(load(s, c))).to.equal(HANDLE_P1); // an older context of the session
    await flush(s, session.handle); // a saved session flushes by its handle
    expect(await mustFail(load(s, c2))).to.equal(HANDLE_P1);
    expect(await getcap(s, 0x03000000)).to.deep.equal([]);
  });

  it('keeps a policy session state (policy digest) over save and load', async () => {
    const s = await started();
    const r = await s.client.run(StartAuthSession, {
      handles: { tpmKey: TPM_RH.NULL, bind: TPM_RH.NULL },
      params: { nonceCaller: Buffer.alloc(16, 3), encryptedSalt: Buffer.alloc(0), sessionType: TPM_SE.TRIAL, symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, authHash: TPM_ALG.SHA256 },
    });
    const before = s.tpm.sessions.get(r.handle)!;
    const c = await save(s, r.handle);
    await load(s, c);
    const after = s.tpm.sessions.get(r.handle)!;
    expect(after).to.not.equal(before);
    expect(after.nonceTPM.equals(before.nonceTPM)).to.equal(true);
    expect(after.isTrial).to.equal(true);
    expect(after.policyState.digest.equals(before.policyState.digest)).to.equal(true);
  });

  it('drops saved sessions at TPM Reset', async () => {
    const s = await started();
    const session = await boundHmacSession(s.client, TPM_RH.NULL, '');
    const c = await save(s, session.handle);
    await reboot(s);
    expect(await mustFail(load(s, c))).to.equal(INTEGRITY_P1);
  });
});

describe('session context value codec', () => {
  it('round-trips the plain data a session may hold, and names a field it cannot save', async () => {
    const { Reader } = await import('../src/codec/reader.js');
    const { Writer } = await import('../src/codec/writer.js');
    const { readValue, writeValue } = await import('../src/context/valueCodec.js');
    const value = { a: 1, big: -(2n ** 70n), f: 1.5, neg: -3, s: 'ü', b: Buffer.from('00ff', 'hex'), l: [null, undefined, true, false], m: new Map([[1, 'x']]), set: new Set([300]) };
    const w = new Writer();
    writeValue(w, value);
    expect(readValue(new Reader(w.finish()))).to.deep.equal(value);
    class Unregistered {}
    expect(() => writeValue(new Writer(), { inner: new Unregistered() }, 'session')).to.throw('session.inner');
  });
});
