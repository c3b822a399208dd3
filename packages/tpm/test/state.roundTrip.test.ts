import { expect } from 'chai';
import { GetCapability, PCR_Read, ReadClock, TPM_CAP, TPM_PT, Tpm, savePermanentState, saveVolatileState, pcrBitmap, TPM_ALG } from '../src/index.js';
import { permanentFormat } from '../src/state/serialization/permanentFormat.js';
import { volatileFormat } from '../src/state/serialization/volatileFormat.js';
import { startTpm } from './kit/startedTpm.js';
import { NV, PERSISTENT_PRIMARY, richTpm, restoreOnClock, shutdownState } from './stateTestKit.js';

describe('state blobs: round trips', () => {
  it('save -> restore -> save is byte-identical for a fresh, a rich and a shut-down TPM', async () => {
    const fresh = await startTpm('fresh');
    const rich = await richTpm();
    for (const tpm of [fresh.tpm, rich.tpm]) {
      const blobs = tpm.save();
      const back = Tpm.restore(blobs, { now: () => (tpm === rich.tpm ? rich.clock.ms : 0) });
      if (tpm === rich.tpm) expect(back.save()).to.deep.equal(blobs);
      else expect(back.save().permanent).to.deep.equal(blobs.permanent);
    }
    await shutdownState(rich);
    const blobs = rich.tpm.save();
    expect(permanentFormat.read(blobs.permanent).stateSave).to.not.equal(null);
    expect(restoreOnClock(blobs, rich.clock.ms).tpm.save()).to.deep.equal(blobs);
    // without the volatile blob: the permanent one still comes back byte for byte
    expect(restoreOnClock({ permanent: blobs.permanent }, rich.clock.ms).tpm.save().permanent).to.deep.equal(blobs.permanent);
  });

  it('the rich workload fills every section of both blobs', async () => {
    const f = await richTpm({ allocate: true }); // a pending PCR_Allocate refuses Shutdown(STATE): the image is the next test's
    f.tpm.tpmEstablished = true;
    const p = permanentFormat.read(savePermanentState(f.tpm));
    const v = volatileFormat.read(saveVolatileState(f.tpm));
    expect(p.lifecycle).to.include({ resetCount: 1, tpmEstablished: true });
    expect(p.lifecycle.shutdownType).to.equal(null);
    expect(p.random).to.not.equal(null);
    expect(p.clock.clock > 5_000_000n).to.equal(true);
    expect(p.clock.rateAdjust).to.equal(1);
    expect(p.hierarchies.ownerAuth.toString()).to.equal('owner-pw');
    expect(p.hierarchies.endorsementPolicy.digest).to.deep.equal(Buffer.alloc(32, 0xee));
    expect(p.hierarchies.disableClear).to.equal(true);
    expect(p.pcrAllocation.pending.get(TPM_ALG.SHA1)).to.deep.equal(Buffer.from([0, 0, 0]));
    expect(p.dictionaryAttack).to.include({ failedTries: 1, maxTries: 5, recoveryTime: 600, lockoutRecovery: 1200, daUsed: true });
    expect(p.commandAudit.counter).to.equal(1n);
    expect(p.nv.indices.map((i) => i.handle)).to.include.members(Object.values(NV));
    expect(p.nv.deletedCounterMax).to.equal(1n);
    expect(p.persistent.map((o) => o.handle)).to.deep.equal([PERSISTENT_PRIMARY]);
    expect(v.flags).to.include({ started: true, pcrReconfigured: true });
    expect(v.pcrs.banks.size).to.equal(4);
    expect(v.resetData.platformAuth.toString()).to.equal('platform-pw');
    expect(v.resetData.enables.endorsement).to.equal(false);
    expect(v.resetData.savedSessions).to.have.length(1);
    expect(v.resetData.objectContextId).to.equal(1n);
    expect(v.resetData.commandAuditDigest.length).to.equal(32);
    expect(v.sessions.loaded.map((s) => s.type)).to.deep.equal([0, 1]);
    expect(v.sessions.loaded[0]!.auditDigest).to.have.length(32);
    expect(v.sessions.exclusiveAudit).to.equal(v.sessions.loaded[0]!.handle);
    expect(v.objects).to.have.length(2);
  });

  it('a Shutdown(STATE) image lands in the permanent blob', async () => {
    const f = await richTpm();
    await shutdownState(f);
    const p = permanentFormat.read(savePermanentState(f.tpm));
    expect(p.stateSave!.resetData.savedSessions).to.have.length(1);
    expect(p.stateSave!.pcrs.get(TPM_ALG.SHA256)![0]!.equals(Buffer.alloc(32))).to.equal(false);
  });

  it('restores every session field, object and NV index as it was (deep equality)', async () => {
    const f = await richTpm();
    const back = restoreOnClock(f.tpm.save(), f.clock.ms).tpm;
    for (const h of f.tpm.sessions.handles()) expect(back.sessions.get(h)).to.deep.equal(f.tpm.sessions.get(h));
    for (const h of f.tpm.objects.handles()) expect(back.objects.get(h)).to.deep.equal(f.tpm.objects.get(h));
    expect(back.persistent.get(PERSISTENT_PRIMARY)).to.deep.equal(f.tpm.persistent.get(PERSISTENT_PRIMARY));
    for (const h of f.tpm.nv.handles()) expect(back.nv.get(h)).to.deep.equal(f.tpm.nv.get(h));
    expect(back.hierarchies).to.deep.equal(f.tpm.hierarchies);
  });

  it('a restored TPM answers like the original: PCRs, Clock, properties', async () => {
    const f = await richTpm();
    const r = restoreOnClock(f.tpm.save(), f.clock.ms);
    const ask = async (client: typeof f.client) => ({
      pcrs: await client.run(PCR_Read, { params: { pcrSelectionIn: [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([0, 16, 23]) }] } }),
      clock: await client.run(ReadClock, { params: {} }),
      props: await client.run(GetCapability, { params: { capability: TPM_CAP.TPM_PROPERTIES, property: TPM_PT.PERMANENT, propertyCount: 64 } }),
    });
    expect(await ask(r.client)).to.deep.equal(await ask(f.client));
  });
});
