import { expect } from 'chai';
import {
  ContextLoad, ContextSave, CreatePrimary, FlushContext, GetCapability, GetRandom, NV_Increment, NV_Read, NV_ReadPublic, PCR_Extend, PCR_Read, PolicyGetDigest, ReadClock, ReadPublic,
  Shutdown, Startup, TPM_ALG, TPM_CAP, TPM_PT, TPM_RH, TPM_SU, Tpm, Unseal, pcrBitmap, type TpmClient,
} from '../src/index.js';
import { eccStorageTemplate } from './kit/keys.js';
import { rcOf } from './kit/responseCodes.js';
import { pw } from './kit/startedTpm.js';
import { NV, OWNER_PW, PERSISTENT_PRIMARY, recordingClient, replay, restoreOnClock, richTpm, type RecordingTransport, type RichTpm } from './stateTestKit.js';

/** Uses every part of a rich TPM's state: sessions (loaded, saved), objects, contexts, NV, PCRs, DA, audit, Clock, Resume. */
async function continueWorking(f: RichTpm, c: TpmClient, recorder: RecordingTransport): Promise<void> {
  const owner = pw(OWNER_PW);
  await c.run(Unseal, { handles: { itemHandle: f.sealed.handle }, names: [f.sealed.name], auth: [{ session: f.hmac, authValue: 'seal-pw' }], params: {} });
  await c.run(PolicyGetDigest, { handles: { policySession: f.policy.handle }, params: {} });
  await c.run(ContextLoad, { params: { context: f.savedSession.context } });
  await c.run(Unseal, { handles: { itemHandle: f.sealed.handle }, names: [f.sealed.name], auth: [{ session: f.savedSession.session, authValue: 'seal-pw' }], params: {} });
  const reloaded = await c.run(ContextLoad, { params: { context: f.objectContext } });
  await c.run(Unseal, { handles: { itemHandle: reloaded.handle }, auth: [pw('seal-pw')], params: {} });
  await c.run(FlushContext, { params: { flushHandle: reloaded.handle } });
  await c.run(NV_Read, { handles: { authHandle: TPM_RH.OWNER, nvIndex: NV.ordinary }, auth: [owner], params: { size: 32, offset: 0 } });
  await c.run(NV_Read, { handles: { authHandle: NV.ordinary, nvIndex: NV.ordinary }, auth: [pw('nv-pw')], params: { size: 8, offset: 0 } });
  for (const h of [NV.counter, NV.orderlyCounter]) await c.run(NV_Increment, { handles: { authHandle: TPM_RH.OWNER, nvIndex: h }, auth: [owner], params: {} });
  for (const h of Object.values(NV)) await rcOf(c.run(NV_Read, { handles: { authHandle: TPM_RH.OWNER, nvIndex: h }, auth: [owner], params: { size: 4, offset: 0 } }));
  await rcOf(c.run(Unseal, { handles: { itemHandle: f.sealed.handle }, auth: [pw('wrong again')], params: {} }));
  await c.run(GetRandom, { params: { bytesRequested: 32 } });
  f.clock.ms += 10_000;
  await c.run(ReadClock, { params: {} });
  await c.run(PCR_Extend, { handles: { pcrHandle: 0 }, auth: [pw()], params: { digests: [{ hashAlg: TPM_ALG.SHA384, digest: Buffer.alloc(48, 7) }] } });
  await c.run(CreatePrimary, {
    handles: { primaryHandle: TPM_RH.OWNER },
    auth: [owner],
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: eccStorageTemplate(), outsideInfo: Buffer.from('another'), creationPCR: [] },
  });
  const kept = (await c.run(ContextSave, { handles: { saveHandle: f.hmac.handle }, params: {} })).context;
  await c.run(Shutdown, { params: { shutdownType: TPM_SU.STATE } });
  f.clock.ms += 1_000;
  recorder.init();
  await c.run(Startup, { params: { startupType: TPM_SU.STATE } });
  await c.run(ContextLoad, { params: { context: kept } });
  const { nvName } = await c.run(NV_ReadPublic, { handles: { nvIndex: NV.ordinary }, params: {} });
  const nvRead = { handles: { authHandle: NV.ordinary, nvIndex: NV.ordinary }, names: [nvName, nvName], params: { size: 8, offset: 0 } };
  await c.run(NV_Read, { ...nvRead, auth: [{ session: f.hmac, authValue: 'nv-pw' }] });
  await c.run(ReadPublic, { handles: { objectHandle: PERSISTENT_PRIMARY }, params: {} });
  await c.run(PCR_Read, { params: { pcrSelectionIn: [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([0, 16, 23]) }] } });
  for (const property of [TPM_PT.PERMANENT, TPM_PT.LOCKOUT_COUNTER]) await c.run(GetCapability, { params: { capability: TPM_CAP.TPM_PROPERTIES, property, propertyCount: 20 } });
  await c.run(GetCapability, { params: { capability: TPM_CAP.HANDLES, property: 0x81000000, propertyCount: 20 } });
}

describe('state blobs: a restored TPM continues where the original was', () => {
  it('answers the same commands byte for byte and ends in the same state', async () => {
    const f = await richTpm();
    const blobs = f.tpm.save();
    const at = f.clock.ms;
    const { client, recorder } = recordingClient(f.tpm, f.clock);
    await continueWorking(f, client, recorder);
    expect(recorder.steps.length).to.be.greaterThan(30);

    const r = restoreOnClock(blobs, at);
    expect(replay(r.tpm, r.clock, recorder.steps)).to.deep.equal({ at: -1 });
    expect(r.tpm.save()).to.deep.equal(f.tpm.save());
  });

  it('a TPM with the same seed given the same commands ends in byte-identical state (determinism)', async () => {
    const f = await richTpm({ seed: 'determinism' });
    const clock = { ms: 1000 };
    const twin = new Tpm({ seed: Buffer.from('determinism'), now: () => clock.ms });
    expect(replay(twin, clock, f.recorder.steps)).to.deep.equal({ at: -1 });
    clock.ms = f.clock.ms;
    expect(twin.save()).to.deep.equal(f.tpm.save());
    const other = new Tpm({ seed: Buffer.from('another seed'), now: () => clock.ms });
    expect(replay(other, clock, f.recorder.steps.slice(0, 1))).to.deep.equal({ at: -1 }); // Startup
    expect(other.save().permanent.equals(twin.save().permanent)).to.equal(false);
  });
});
