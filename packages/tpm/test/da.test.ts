import { expect } from 'chai';
import {
  DictionaryAttackLockReset, DictionaryAttackParameters, GetCapability, HierarchyChangeAuth, Shutdown,
  TPM_CAP, TPM_PT, TPM_RC, TPM_RH, TPM_SU, TPMA_PERMANENT, type ClientAuth,
} from '../src/index.js';
import { createSealed, started, storageTemplate, type Started } from './hierarchyTestKit.js';
import { createPrimary } from './kit/keys.js';
import { mustFail } from './kit/responseCodes.js';
import { reboot } from './kit/startedTpm.js';

const S1 = 0x900;
const AUTH_FAIL_S1 = TPM_RC.AUTH_FAIL + S1;

async function property(s: Started, pt: number): Promise<number> {
  const r = await s.client.run(GetCapability, { params: { capability: TPM_CAP.TPM_PROPERTIES, property: pt, propertyCount: 1 } });
  return (r.capabilityData.data as { value: number }[])[0]!.value;
}
const inLockout = async (s: Started) => ((await property(s, TPM_PT.PERMANENT)) & TPMA_PERMANENT.inLockout) !== 0;

/** A loaded DA-protected storage key with authValue "right". */
async function protectedKey(s: Started): Promise<number> {
  return (await createPrimary(s.client, TPM_RH.OWNER, { userAuth: 'right', template: storageTemplate({ daProtected: true }) })).handle;
}
function lockReset(s: Started, auth: ClientAuth = { password: '' }) {
  return s.client.run(DictionaryAttackLockReset, { handles: { lockHandle: TPM_RH.LOCKOUT }, auth: [auth], params: {} });
}
function parameters(s: Started, newMaxTries: number, newRecoveryTime: number, lockoutRecovery: number) {
  return s.client.run(DictionaryAttackParameters, { handles: { lockHandle: TPM_RH.LOCKOUT }, auth: [{ password: '' }], params: { newMaxTries, newRecoveryTime, lockoutRecovery } });
}

describe('dictionary-attack protection (Part 1, 19.8.6; Part 3, 25)', () => {
  it('starts with swtpm defaults: 3 tries, 1000 s recovery, 1000 s lockout recovery', async () => {
    const s = await started();
    expect(await property(s, TPM_PT.MAX_AUTH_FAIL)).to.equal(3);
    expect(await property(s, TPM_PT.LOCKOUT_INTERVAL)).to.equal(1000);
    expect(await property(s, TPM_PT.LOCKOUT_RECOVERY)).to.equal(1000);
    expect(await property(s, TPM_PT.LOCKOUT_COUNTER)).to.equal(0);
  });

  it('counts wrong passwords on a DA-protected object to lockout; DictionaryAttackLockReset ends it', async () => {
    const s = await started();
    const key = await protectedKey(s);
    for (let i = 1; i <= 3; i++) {
      expect(await mustFail(createSealed(s.client, key, { password: 'wrong' }))).to.equal(AUTH_FAIL_S1);
      expect(await property(s, TPM_PT.LOCKOUT_COUNTER)).to.equal(i);
    }
    expect(await inLockout(s)).to.equal(true);
    expect(await mustFail(createSealed(s.client, key, { password: 'wrong' }))).to.equal(TPM_RC.LOCKOUT);
    expect(await mustFail(createSealed(s.client, key, { password: 'right' }))).to.equal(TPM_RC.LOCKOUT);
    // DA-exempt entities still work: the owner hierarchy, a noDA key
    const exempt = await createPrimary(s.client, TPM_RH.OWNER);
    await createSealed(s.client, exempt.handle, { password: '' });
    await lockReset(s);
    expect(await inLockout(s)).to.equal(false);
    await createSealed(s.client, key, { password: 'right' });
  });

  it('heals one failure per recoveryTime of TPM time', async () => {
    const s = await started();
    const key = await protectedKey(s);
    await parameters(s, 3, 10, 1000);
    for (let i = 0; i < 3; i++) await mustFail(createSealed(s.client, key, { password: 'wrong' }));
    s.clock.ms += 9_999;
    expect(await property(s, TPM_PT.LOCKOUT_COUNTER)).to.equal(3);
    s.clock.ms += 1;
    expect(await property(s, TPM_PT.LOCKOUT_COUNTER)).to.equal(2);
    await createSealed(s.client, key, { password: 'right' });
    s.clock.ms += 25_000;
    expect(await property(s, TPM_PT.LOCKOUT_COUNTER)).to.equal(0);
  });

  it('recoveryTime 0 turns DA protection off; parameters keep failedTries', async () => {
    const s = await started();
    const key = await protectedKey(s);
    await mustFail(createSealed(s.client, key, { password: 'wrong' }));
    await parameters(s, 5, 1000, 1000);
    expect(await property(s, TPM_PT.LOCKOUT_COUNTER)).to.equal(1);
    expect(await property(s, TPM_PT.MAX_AUTH_FAIL)).to.equal(5);
    await parameters(s, 5, 0, 1000);
    for (let i = 0; i < 10; i++) expect(await mustFail(createSealed(s.client, key, { password: 'wrong' }))).to.equal(AUTH_FAIL_S1);
    expect(await property(s, TPM_PT.LOCKOUT_COUNTER)).to.equal(0);
  });

  it('a wrong lockoutAuth locks lockoutAuth for lockoutRecovery seconds', async () => {
    const s = await started();
    await parameters(s, 3, 1000, 60);
    await s.client.run(HierarchyChangeAuth, { handles: { authHandle: TPM_RH.LOCKOUT }, auth: [{ password: '' }], params: { newAuth: Buffer.from('lock') } });
    expect(await mustFail(lockReset(s, { password: 'nope' }))).to.equal(AUTH_FAIL_S1);
    expect(await mustFail(lockReset(s, { password: 'lock' }))).to.equal(TPM_RC.LOCKOUT);
    expect(await property(s, TPM_PT.LOCKOUT_COUNTER)).to.equal(0); // lockout failures are not counted in failedTries
    s.clock.ms += 60_000;
    await lockReset(s, { password: 'lock' });
  });

  it('lockoutRecovery 0: lockoutAuth comes back only with the next Startup', async () => {
    const s = await started();
    await parameters(s, 3, 1000, 0);
    expect(await mustFail(lockReset(s, { password: 'nope' }))).to.equal(AUTH_FAIL_S1);
    s.clock.ms += 10_000_000;
    expect(await mustFail(lockReset(s))).to.equal(TPM_RC.LOCKOUT);
    await s.client.run(Shutdown, { params: { shutdownType: TPM_SU.CLEAR } });
    await reboot(s);
    await lockReset(s);
  });

  it('a non-orderly shutdown after DA-protected use counts as a failure', async () => {
    const s = await started();
    const key = await protectedKey(s);
    await createSealed(s.client, key, { password: 'right' });
    await reboot(s); // no Shutdown
    expect(await property(s, TPM_PT.LOCKOUT_COUNTER)).to.equal(1);
    await reboot(s); // nothing DA-protected was used since
    expect(await property(s, TPM_PT.LOCKOUT_COUNTER)).to.equal(1);
  });
});
