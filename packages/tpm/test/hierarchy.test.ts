import { expect } from 'chai';
import {
  ChangeEPS, ChangePPS, Clear, ClearControl, EvictControl, GetCapability, HierarchyChangeAuth, HierarchyControl, ReadClock, SetPrimaryPolicy,
  TPM_ALG, TPM_CAP, TPM_PT, TPM_RC, TPM_RH, TPMA_PERMANENT, TPMA_STARTUP_CLEAR, type ClientAuth,
} from '../src/index.js';
import { started, type Started } from './hierarchyTestKit.js';
import { createPrimary } from './kit/keys.js';
import { mustFail } from './kit/responseCodes.js';
import { reboot } from './kit/startedTpm.js';

const H1 = 0x100;
const P1 = 0x140;
const S1 = 0x900;
const PW: ClientAuth = { password: '' };

async function property(s: Started, pt: number): Promise<number> {
  const r = await s.client.run(GetCapability, { params: { capability: TPM_CAP.TPM_PROPERTIES, property: pt, propertyCount: 1 } });
  return (r.capabilityData.data as { value: number }[])[0]!.value;
}
function control(s: Started, authHandle: number, enable: number, state: boolean, auth: ClientAuth = PW) {
  return s.client.run(HierarchyControl, { handles: { authHandle }, auth: [auth], params: { enable, state } });
}
function changeAuth(s: Started, authHandle: number, newAuth: string | Buffer, auth: ClientAuth = PW) {
  return s.client.run(HierarchyChangeAuth, { handles: { authHandle }, auth: [auth], params: { newAuth: Buffer.from(newAuth) } });
}
const publicKey = async (s: Started, hierarchy: number) => (await createPrimary(s.client, hierarchy)).outPublic.unique;

describe('hierarchy seeds and primary objects (Part 1, 14; Part 3, 24.4-24.6)', () => {
  it('derives the same primary key from the same template, again and after TPM Reset', async () => {
    const s = await started();
    const a = await createPrimary(s.client, TPM_RH.OWNER);
    const b = await createPrimary(s.client, TPM_RH.OWNER);
    expect(b.outPublic.unique).to.deep.equal(a.outPublic.unique);
    await reboot(s);
    expect(await publicKey(s, TPM_RH.OWNER)).to.deep.equal(a.outPublic.unique);
  });

  it('ChangeEPS changes endorsement primaries but not owner or platform ones, and flushes endorsement objects', async () => {
    const s = await started();
    const [eBefore, oBefore, pBefore] = [await publicKey(s, TPM_RH.ENDORSEMENT), await publicKey(s, TPM_RH.OWNER), await publicKey(s, TPM_RH.PLATFORM)];
    expect(s.tpm.objects.count).to.equal(3);
    await changeAuth(s, TPM_RH.ENDORSEMENT, 'endorse');
    await s.client.run(ChangeEPS, { handles: { authHandle: TPM_RH.PLATFORM }, auth: [PW], params: {} });
    expect(s.tpm.objects.count).to.equal(2);
    expect(s.tpm.hierarchyAuth.get(TPM_RH.ENDORSEMENT)!.length).to.equal(0); // endorsementAuth cleared
    expect(await publicKey(s, TPM_RH.ENDORSEMENT)).to.not.deep.equal(eBefore);
    s.tpm.objects.clear();
    expect(await publicKey(s, TPM_RH.OWNER)).to.deep.equal(oBefore);
    expect(await publicKey(s, TPM_RH.PLATFORM)).to.deep.equal(pBefore);
  });

  it('ChangePPS changes platform primaries only', async () => {
    const s = await started();
    const [pBefore, oBefore] = [await publicKey(s, TPM_RH.PLATFORM), await publicKey(s, TPM_RH.OWNER)];
    await s.client.run(ChangePPS, { handles: { authHandle: TPM_RH.PLATFORM }, auth: [PW], params: {} });
    expect(s.tpm.objects.count).to.equal(1);
    expect(await publicKey(s, TPM_RH.PLATFORM)).to.not.deep.equal(pBefore);
    expect(await publicKey(s, TPM_RH.OWNER)).to.deep.equal(oBefore);
  });

  it('Clear: new SPS (owner primaries change, endorsement ones stay), authValues, owner persistent objects, DA and Clock reset', async () => {
    const s = await started();
    const [oBefore, eBefore] = [await publicKey(s, TPM_RH.OWNER), await publicKey(s, TPM_RH.ENDORSEMENT)];
    await s.client.run(EvictControl, { handles: { auth: TPM_RH.OWNER, objectHandle: 0x80000000 }, auth: [PW], params: { persistentHandle: 0x81000001 } });
    await s.client.run(EvictControl, { handles: { auth: TPM_RH.OWNER, objectHandle: 0x80000001 }, auth: [PW], params: { persistentHandle: 0x81010001 } });
    for (const h of [TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.LOCKOUT]) await changeAuth(s, h, 'pw');
    s.tpm.da.failedTries = 2;
    s.clock.ms = 5000;
    await s.client.run(Clear, { handles: { authHandle: TPM_RH.LOCKOUT }, auth: [{ password: 'pw' }], params: {} });
    expect(s.tpm.objects.count).to.equal(0);
    expect(s.tpm.persistent.handles()).to.deep.equal([]);
    expect(await property(s, TPM_PT.PERMANENT) & (TPMA_PERMANENT.ownerAuthSet | TPMA_PERMANENT.endorsementAuthSet | TPMA_PERMANENT.lockoutAuthSet)).to.equal(0);
    expect(await property(s, TPM_PT.LOCKOUT_COUNTER)).to.equal(0);
    expect(Number((await s.client.run(ReadClock, { params: {} })).currentTime.clockInfo.clock)).to.be.below(1000);
    expect(await publicKey(s, TPM_RH.OWNER)).to.not.deep.equal(oBefore);
    expect(await publicKey(s, TPM_RH.ENDORSEMENT)).to.deep.equal(eBefore);
  });

  it('ClearControl: lockout may only set disableClear; Clear then answers TPM_RC_DISABLED until the platform clears it', async () => {
    const s = await started();
    expect(await mustFail(s.client.run(ClearControl, { handles: { auth: TPM_RH.LOCKOUT }, auth: [PW], params: { disable: false } }))).to.equal(TPM_RC.AUTH_FAIL);
    await s.client.run(ClearControl, { handles: { auth: TPM_RH.LOCKOUT }, auth: [PW], params: { disable: true } });
    expect(await property(s, TPM_PT.PERMANENT) & TPMA_PERMANENT.disableClear).to.not.equal(0);
    expect(await mustFail(s.client.run(Clear, { handles: { authHandle: TPM_RH.PLATFORM }, auth: [PW], params: {} }))).to.equal(TPM_RC.DISABLED);
    await s.client.run(ClearControl, { handles: { auth: TPM_RH.PLATFORM }, auth: [PW], params: { disable: false } });
    await s.client.run(Clear, { handles: { authHandle: TPM_RH.PLATFORM }, auth: [PW], params: {} });
  });
});

describe('HierarchyChangeAuth and SetPrimaryPolicy (Part 3, 24.8, 24.3)', () => {
  it('changes the owner authValue (trailing zeros dropped); the old one is TPM_RC_BAD_AUTH (hierarchies are DA-exempt)', async () => {
    const s = await started();
    await changeAuth(s, TPM_RH.OWNER, Buffer.from('newpass\0\0'));
    expect(s.tpm.hierarchyAuth.get(TPM_RH.OWNER)!.toString()).to.equal('newpass');
    expect(await property(s, TPM_PT.PERMANENT) & TPMA_PERMANENT.ownerAuthSet).to.not.equal(0);
    expect(await mustFail(createPrimary(s.client, TPM_RH.OWNER))).to.equal(TPM_RC.BAD_AUTH + S1);
    await createPrimary(s.client, TPM_RH.OWNER, { auth: { password: 'newpass' } });
    await changeAuth(s, TPM_RH.OWNER, '', { password: 'newpass' });
    await createPrimary(s.client, TPM_RH.OWNER);
  });

  it('the platform authValue is reset by every Startup(CLEAR), the others persist', async () => {
    const s = await started();
    await changeAuth(s, TPM_RH.PLATFORM, 'pp');
    await changeAuth(s, TPM_RH.OWNER, 'oo');
    await reboot(s);
    await createPrimary(s.client, TPM_RH.PLATFORM);
    await createPrimary(s.client, TPM_RH.OWNER, { auth: { password: 'oo' } });
  });

  it('SetPrimaryPolicy needs a digest of the hash size (empty for TPM_ALG_NULL); GetCapability(AUTH_POLICIES) shows it', async () => {
    const s = await started();
    const set = (authPolicy: Buffer, hashAlg: number) => s.client.run(SetPrimaryPolicy, { handles: { authHandle: TPM_RH.OWNER }, auth: [PW], params: { authPolicy, hashAlg } });
    expect(await mustFail(set(Buffer.alloc(20), TPM_ALG.SHA256))).to.equal(TPM_RC.SIZE + P1);
    expect(await mustFail(set(Buffer.alloc(32), TPM_ALG.NULL))).to.equal(TPM_RC.SIZE + P1);
    await set(Buffer.alloc(32, 0xab), TPM_ALG.SHA256);
    const r = await s.client.run(GetCapability, { params: { capability: TPM_CAP.AUTH_POLICIES, property: TPM_RH.OWNER, propertyCount: 1 } });
    const [entry] = r.capabilityData.data as { handle: number; policyHash: { hashAlg: number; digest: Buffer } }[];
    expect(entry!.policyHash.hashAlg).to.equal(TPM_ALG.SHA256);
    expect(entry!.policyHash.digest.equals(Buffer.alloc(32, 0xab))).to.equal(true);
  });
});

describe('HierarchyControl (Part 3, 24.2)', () => {
  const enables = async (s: Started) => (await property(s, TPM_PT.STARTUP_CLEAR)) & 0xf;

  it('the owner disables its hierarchy; then owner handles are TPM_RC_HIERARCHY and only the platform enables it again', async () => {
    const s = await started();
    await createPrimary(s.client, TPM_RH.OWNER);
    await control(s, TPM_RH.OWNER, TPM_RH.OWNER, false);
    expect(s.tpm.objects.count).to.equal(0);
    expect(await enables(s)).to.equal(TPMA_STARTUP_CLEAR.phEnable | TPMA_STARTUP_CLEAR.ehEnable | TPMA_STARTUP_CLEAR.phEnableNV);
    expect(await mustFail(createPrimary(s.client, TPM_RH.OWNER))).to.equal(TPM_RC.HIERARCHY + H1);
    expect(await mustFail(control(s, TPM_RH.OWNER, TPM_RH.OWNER, true))).to.equal(TPM_RC.HIERARCHY + H1);
    await control(s, TPM_RH.PLATFORM, TPM_RH.OWNER, true);
    await createPrimary(s.client, TPM_RH.OWNER);
  });

  it('answers TPM_RC_AUTH_TYPE for another hierarchy, and for phEnable/phEnableNV without platform authorization', async () => {
    const s = await started();
    expect(await mustFail(control(s, TPM_RH.OWNER, TPM_RH.ENDORSEMENT, false))).to.equal(TPM_RC.AUTH_TYPE);
    expect(await mustFail(control(s, TPM_RH.ENDORSEMENT, TPM_RH.OWNER, false))).to.equal(TPM_RC.AUTH_TYPE);
    expect(await mustFail(control(s, TPM_RH.OWNER, TPM_RH.PLATFORM_NV, false))).to.equal(TPM_RC.AUTH_TYPE);
    await control(s, TPM_RH.ENDORSEMENT, TPM_RH.ENDORSEMENT, false);
    await control(s, TPM_RH.PLATFORM, TPM_RH.PLATFORM_NV, false);
    expect(await enables(s)).to.equal(TPMA_STARTUP_CLEAR.phEnable | TPMA_STARTUP_CLEAR.shEnable);
  });

  it('the platform disables itself until the next Startup', async () => {
    const s = await started();
    await control(s, TPM_RH.PLATFORM, TPM_RH.PLATFORM, false);
    expect(await mustFail(createPrimary(s.client, TPM_RH.PLATFORM))).to.equal(TPM_RC.HIERARCHY + H1);
    await control(s, TPM_RH.OWNER, TPM_RH.OWNER, false);
    await reboot(s);
    expect(await enables(s)).to.equal(0xf);
    await createPrimary(s.client, TPM_RH.PLATFORM);
  });
});
