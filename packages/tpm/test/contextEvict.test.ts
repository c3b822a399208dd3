import { expect } from 'chai';
import {
  EvictControl, FlushContext, GetCapability, HierarchyControl, ReadPublic, TPM_CAP, TPM_PT, TPM_RC, TPM_RH,
} from '../src/index.js';
import { createSealed, started, type Started } from './hierarchyTestKit.js';
import { createPrimary } from './kit/keys.js';
import { mustFail } from './kit/responseCodes.js';

const H2 = 0x200;
const P1 = 0x140;

function evict(s: Started, auth: number, objectHandle: number, persistentHandle: number) {
  return s.client.run(EvictControl, { handles: { auth, objectHandle }, auth: [{ password: '' }], params: { persistentHandle } });
}
async function persistentHandles(s: Started): Promise<number[]> {
  const r = await s.client.run(GetCapability, { params: { capability: TPM_CAP.HANDLES, property: 0x81000000, propertyCount: 100 } });
  return r.capabilityData.data as number[];
}
async function property(s: Started, pt: number): Promise<number> {
  const r = await s.client.run(GetCapability, { params: { capability: TPM_CAP.TPM_PROPERTIES, property: pt, propertyCount: 1 } });
  return (r.capabilityData.data as { value: number }[])[0]!.value;
}

describe('EvictControl (Part 3, 28.5)', () => {
  it('persists an owner object that survives the flush of transients, is usable everywhere, and is evicted again', async () => {
    const s = await started();
    const p = await createPrimary(s.client, TPM_RH.OWNER);
    await evict(s, TPM_RH.OWNER, p.handle, 0x81000001);
    await s.client.run(FlushContext, { params: { flushHandle: p.handle } });
    expect(await persistentHandles(s)).to.deep.equal([0x81000001]);
    expect(await property(s, TPM_PT.HR_PERSISTENT)).to.equal(1);
    expect(await property(s, TPM_PT.HR_PERSISTENT_AVAIL)).to.equal(64);
    const rp = await s.client.run(ReadPublic, { handles: { objectHandle: 0x81000001 }, params: {} });
    expect(rp.name.equals(p.name)).to.equal(true);
    await createSealed(s.client, 0x81000001, { password: '' }); // as a parent
    expect(await mustFail(evict(s, TPM_RH.OWNER, 0x81000001, 0x81000002))).to.equal(TPM_RC.HANDLE + H2);
    await evict(s, TPM_RH.OWNER, 0x81000001, 0x81000001);
    expect(await persistentHandles(s)).to.deep.equal([]);
    expect(await mustFail(s.client.run(ReadPublic, { handles: { objectHandle: 0x81000001 }, params: {} }))).to.equal(TPM_RC.HANDLE + 0x100);
  });

  it('answers the reference codes: taken handle, wrong range, wrong hierarchy, temporary object', async () => {
    const s = await started();
    const owner = await createPrimary(s.client, TPM_RH.OWNER);
    await evict(s, TPM_RH.OWNER, owner.handle, 0x81000001);
    expect(await mustFail(evict(s, TPM_RH.OWNER, owner.handle, 0x81000001))).to.equal(TPM_RC.NV_DEFINED);
    expect(await mustFail(evict(s, TPM_RH.OWNER, owner.handle, 0x81800001))).to.equal(TPM_RC.RANGE + P1);
    expect(await mustFail(evict(s, TPM_RH.PLATFORM, owner.handle, 0x81800001))).to.equal(TPM_RC.HIERARCHY + H2);
    await s.client.run(FlushContext, { params: { flushHandle: owner.handle } });
    const platform = await createPrimary(s.client, TPM_RH.PLATFORM);
    expect(await mustFail(evict(s, TPM_RH.OWNER, platform.handle, 0x81000002))).to.equal(TPM_RC.HIERARCHY + H2);
    expect(await mustFail(evict(s, TPM_RH.PLATFORM, platform.handle, 0x81000002))).to.equal(TPM_RC.RANGE + P1);
    await evict(s, TPM_RH.PLATFORM, platform.handle, 0x81800000);
    expect(await mustFail(evict(s, TPM_RH.OWNER, 0x81800000, 0x81800000))).to.equal(TPM_RC.HIERARCHY + H2);
    await evict(s, TPM_RH.PLATFORM, 0x81000001, 0x81000001); // the platform may evict any
    await s.client.run(FlushContext, { params: { flushHandle: platform.handle } });
    const temporary = await createPrimary(s.client, TPM_RH.NULL);
    expect(await mustFail(evict(s, TPM_RH.OWNER, temporary.handle, 0x81000003))).to.equal(TPM_RC.ATTRIBUTES + H2);
  });

  it('holds 65 persistent objects, as swtpm, then answers TPM_RC_NV_SPACE', async () => {
    const s = await started();
    const p = await createPrimary(s.client, TPM_RH.OWNER);
    for (let i = 0; i < 65; i++) await evict(s, TPM_RH.OWNER, p.handle, 0x81000000 + i);
    expect(await property(s, TPM_PT.HR_PERSISTENT_AVAIL)).to.equal(0);
    expect(await mustFail(evict(s, TPM_RH.OWNER, p.handle, 0x81000100))).to.equal(TPM_RC.NV_SPACE);
  });

  it('hides the owner range while shEnable is clear (TPM_RC_HANDLE), and needs a free transient slot to use one', async () => {
    const s = await started();
    const p = await createPrimary(s.client, TPM_RH.OWNER);
    await evict(s, TPM_RH.OWNER, p.handle, 0x81000001);
    await createPrimary(s.client, TPM_RH.OWNER);
    await createPrimary(s.client, TPM_RH.ENDORSEMENT);
    // three transient objects loaded: the reference cannot copy the persistent one in
    expect(await mustFail(s.client.run(ReadPublic, { handles: { objectHandle: 0x81000001 }, params: {} }))).to.equal(TPM_RC.OBJECT_MEMORY);
    await s.client.run(HierarchyControl, { handles: { authHandle: TPM_RH.OWNER }, auth: [{ password: '' }], params: { enable: TPM_RH.OWNER, state: false } });
    expect(await mustFail(s.client.run(ReadPublic, { handles: { objectHandle: 0x81000001 }, params: {} }))).to.equal(TPM_RC.HANDLE + 0x100);
  });
});
