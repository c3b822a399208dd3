import { expect } from 'chai';
import {
  ContextSave, DictionaryAttackLockReset, GetCapability, GetRandom, NV_GlobalWriteLock, NV_Read, NV_Write, PCR_Read, ReadPublic, StartAuthSession, TPM_ALG,
  TPM_CAP, TPM_PT, TPM_RH, TPM_SE, Tpm, Unseal, pcrBitmap, savePermanentState, type TpmClient,
} from '../src/index.js';
import { permanentFormat } from '../src/state/serialization/permanentFormat.js';
import { NV_COMMANDS } from '../src/capability/commandAttributes.js';
import { rcOf } from './kit/responseCodes.js';
import { pw, startClockedTpm } from './kit/startedTpm.js';
import { createSealed, storageTemplate } from './hierarchyTestKit.js';
import { createPrimary } from './kit/keys.js';
import { NV, OWNER_PW, richTpm } from './stateTestKit.js';

/** The permanent blob without what changes on its own (Clock's ms, the RNG) and without the counter itself. */
function permanentContents(tpm: Tpm): Buffer {
  const p = permanentFormat.read(savePermanentState(tpm));
  return permanentFormat.write({ ...p, random: null, clock: { ...p.clock, clock: 0n }, lifecycle: { ...p.lifecycle, permanentStateVersion: 0 } });
}

/** How much permanentStateVersion moved over `action`. */
async function bumps(tpm: Tpm, action: () => Promise<unknown>): Promise<number> {
  const v = tpm.permanentStateVersion;
  await rcOf(action() as Promise<unknown>);
  return tpm.permanentStateVersion - v;
}

const NO_SYM = { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 };
const startAuthSession = (c: TpmClient) =>
  c.run(StartAuthSession, { handles: { tpmKey: TPM_RH.NULL, bind: TPM_RH.NULL }, params: { nonceCaller: Buffer.alloc(16, 1), encryptedSalt: Buffer.alloc(0), sessionType: TPM_SE.HMAC, symmetric: NO_SYM, authHash: TPM_ALG.SHA256 } });

describe('state blobs: permanentStateVersion tells when the permanent state changed', () => {
  it('moves on every command of a rich workload that changed the permanent state (no lost write)', async () => {
    const f = await richTpm({ seed: 'version' });
    const clock = { ms: 0 };
    const twin = new Tpm({ seed: Buffer.from('version'), now: () => clock.ms });
    let changed = 0;
    for (const step of f.recorder.steps) {
      if (step.kind !== 'command') continue;
      clock.ms = step.ms;
      const before = permanentContents(twin);
      const v = twin.permanentStateVersion;
      twin.execute(step.command, step.locality);
      if (!permanentContents(twin).equals(before)) {
        changed++;
        expect(twin.permanentStateVersion, `command 0x${step.command.readUInt32BE(6).toString(16)}`).to.be.greaterThan(v);
      }
    }
    expect(changed).to.be.greaterThan(30);
  });

  it('the changing set holds the TPMA_CC.nv commands of Part 3 the brief names', () => {
    for (const name of [
      'NV_Write', 'NV_DefineSpace', 'EvictControl', 'HierarchyChangeAuth', 'Clear', 'ChangeEPS', 'ChangePPS', 'PCR_Allocate', 'ClockSet', 'DictionaryAttackLockReset',
      'DictionaryAttackParameters', 'SetPrimaryPolicy', 'HierarchyControl', 'NV_Increment', 'NV_Extend', 'NV_SetBits', 'NV_WriteLock', 'NV_GlobalWriteLock',
      'NV_ChangeAuth', 'NV_UndefineSpace', 'NV_UndefineSpaceSpecial', 'SetCommandCodeAuditStatus', 'Shutdown', 'Startup', 'ClearControl',
    ] as const) {
      expect(NV_COMMANDS.has(name), name).to.equal(true);
    }
    expect(NV_COMMANDS.has('PolicyNV')).to.equal(false);
  });

  it('moves for successful changing commands, not for failed ones or for reads', async () => {
    const f = await richTpm();
    const c = f.client;
    const owner = pw(OWNER_PW);
    expect(await bumps(f.tpm, () => c.run(NV_Write, { handles: { authHandle: TPM_RH.OWNER, nvIndex: NV.ordinary }, auth: [owner], params: { data: Buffer.from('x'), offset: 0 } }))).to.equal(1);
    expect(await bumps(f.tpm, () => c.run(NV_GlobalWriteLock, { handles: { authHandle: TPM_RH.OWNER }, auth: [owner], params: {} }))).to.equal(1);
    // refused before anything changed: offset beyond the index
    expect(await bumps(f.tpm, () => c.run(NV_Write, { handles: { authHandle: TPM_RH.OWNER, nvIndex: NV.ordinary }, auth: [owner], params: { data: Buffer.from('x'), offset: 40 } }))).to.equal(0);
    for (const read of [
      () => c.run(PCR_Read, { params: { pcrSelectionIn: [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([0]) }] } }),
      () => c.run(GetCapability, { params: { capability: TPM_CAP.TPM_PROPERTIES, property: TPM_PT.PERMANENT, propertyCount: 8 } }),
      () => c.run(ReadPublic, { handles: { objectHandle: f.primary.handle }, params: {} }),
      () => c.run(NV_Read, { handles: { authHandle: TPM_RH.OWNER, nvIndex: NV.ordinary }, auth: [owner], params: { size: 4, offset: 0 } }),
      () => c.run(ContextSave, { handles: { saveHandle: f.hmac.handle }, params: {} }),
    ]) {
      expect(await bumps(f.tpm, read)).to.equal(0);
    }
  });

  it('moves for dictionary-attack bookkeeping of any command: failures, lockout failures, first DA-protected use', async () => {
    const f = await richTpm();
    const c = f.client;
    const wrongUnseal = () => c.run(Unseal, { handles: { itemHandle: f.sealed.handle }, auth: [pw('wrong')], params: {} });
    expect(await bumps(f.tpm, wrongUnseal)).to.equal(1);
    expect(await bumps(f.tpm, () => c.run(DictionaryAttackLockReset, { handles: { lockHandle: TPM_RH.LOCKOUT }, auth: [pw('bad')], params: {} }))).to.equal(1);
    expect(f.tpm.da.lockoutAuthEnabled).to.equal(false);
    // the first DA-protected authorization since Startup is recorded (the reference's orderly state SU_DA_USED), later ones not
    const g = await startClockedTpm('da used', 0);
    const parent = await createPrimary(g.client, TPM_RH.OWNER, { template: storageTemplate({ daProtected: true }) });
    g.tpm.permanentStateVersion = 0;
    expect(await bumps(g.tpm, () => createSealed(g.client, parent.handle, pw()))).to.equal(1);
    expect(await bumps(g.tpm, () => createSealed(g.client, parent.handle, pw()))).to.equal(0);
  });

  it('moves when an audited command starts a new audit digest, when Clock crosses an NV update interval, when tpmEstablished changes', async () => {
    const f = await richTpm();
    const c = f.client;
    f.tpm.commandAudit.restart();
    expect(await bumps(f.tpm, () => c.run(GetRandom, { params: { bytesRequested: 8 } }))).to.equal(1); // audit counter
    expect(await bumps(f.tpm, () => c.run(GetRandom, { params: { bytesRequested: 8 } }))).to.equal(0);
    f.clock.ms += 5000;
    expect(await bumps(f.tpm, () => startAuthSession(c))).to.equal(1);
    expect(await bumps(f.tpm, async () => (f.tpm.tpmEstablished = true))).to.equal(1);
    expect(await bumps(f.tpm, async () => (f.tpm.tpmEstablished = true))).to.equal(0);
  });

  it('a restored TPM continues the counter', async () => {
    const f = await richTpm();
    const v = f.tpm.permanentStateVersion;
    expect(v).to.be.greaterThan(40);
    expect(Tpm.restore(f.tpm.save()).permanentStateVersion).to.equal(v);
  });
});
