import { expect } from 'chai';
import {
  ContextLoad, GetCapability, HierarchyChangeAuth, PCR_Read, ReadClock, Shutdown, Startup, TPM_ALG, TPM_CAP, TPM_PT, TPM_RC, TPM_RH, TPM_SU, Unseal,
  pcrBitmap, type TpmClient,
} from '../src/index.js';
import { mustFail, rcOf } from './kit/responseCodes.js';
import { pw } from './kit/startedTpm.js';
import { PLATFORM_PW, restoreOnClock, richTpm, type RichTpm } from './stateTestKit.js';

const VALUE_P1 = TPM_RC.VALUE + 0x140;
const INTEGRITY_P1 = TPM_RC.INTEGRITY + 0x140;

/**
 * Power-cycles a rich TPM two ways: in process (_TPM_Init) and through its permanent blob alone
 * (a new process), then sends `startupType` to both. Returns both clients; the states must agree.
 */
async function powerCycle(f: RichTpm, startupType: number | null) {
  const permanent = f.tpm.save().permanent;
  const restored = restoreOnClock({ permanent }, f.clock.ms);
  f.tpm.init();
  if (startupType !== null) {
    for (const c of [f.client, restored.client]) await c.run(Startup, { params: { startupType } });
    expect(restored.tpm.save()).to.deep.equal(f.tpm.save());
  }
  return restored;
}

async function pcrs(c: TpmClient): Promise<Buffer[]> {
  return (await c.run(PCR_Read, { params: { pcrSelectionIn: [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([0, 16, 23]) }] } })).pcrValues;
}

async function counts(c: TpmClient) {
  const { clockInfo } = (await c.run(ReadClock, { params: {} })).currentTime;
  return { resetCount: clockInfo.resetCount, restartCount: clockInfo.restartCount, safe: clockInfo.safe };
}

async function handles(c: TpmClient, first: number): Promise<number[]> {
  const r = await c.run(GetCapability, { params: { capability: TPM_CAP.HANDLES, property: first, propertyCount: 64 } });
  return (r.capabilityData.data as number[]).filter((h) => h >>> 24 === first >>> 24);
}

async function property(c: TpmClient, pt: number): Promise<number> {
  const r = await c.run(GetCapability, { params: { capability: TPM_CAP.TPM_PROPERTIES, property: pt, propertyCount: 1 } });
  return (r.capabilityData.data as { property: number; value: number }[])[0]!.value;
}

describe('state blobs: TPM Resume, Restart and Reset across save and restore (Part 1, 12.2.2)', () => {
  it('Shutdown(STATE), new process, Startup(STATE): PCRs and saved sessions come back, loaded ones and objects do not', async () => {
    const f = await richTpm();
    const before = await pcrs(f.client);
    await f.client.run(Shutdown, { params: { shutdownType: TPM_SU.STATE } });
    const r = await powerCycle(f, TPM_SU.STATE);
    const after = await pcrs(r.client);
    expect(after[0]).to.deep.equal(before[0]); // PCR 0 is saved by Shutdown(STATE)
    expect(after[1]).to.deep.equal(Buffer.alloc(32)); // 16 and 23 are not
    expect(await counts(r.client)).to.deep.equal({ resetCount: 1, restartCount: 1, safe: true });
    expect(await handles(r.client, 0x80000000)).to.deep.equal([]);
    expect(await handles(r.client, 0x02000000)).to.deep.equal([]); // loaded sessions are gone
    expect(await handles(r.client, 0x03000000)).to.deep.equal([]);
    await r.client.run(ContextLoad, { params: { context: f.savedSession.context } });
    const obj = await r.client.run(ContextLoad, { params: { context: f.objectContext } });
    await r.client.run(Unseal, { handles: { itemHandle: obj.handle }, auth: [{ session: f.savedSession.session, authValue: 'seal-pw' }], names: [f.sealed.name], params: {} });
    // TPMA_STARTUP_CLEAR: ehEnable stays off over a Resume, orderly is set; the platform keeps its authValue
    expect((await property(r.client, TPM_PT.STARTUP_CLEAR)) >>> 0).to.equal((0x80000000 | 0b1011) >>> 0);
    await r.client.run(HierarchyChangeAuth, { handles: { authHandle: TPM_RH.PLATFORM }, auth: [pw(PLATFORM_PW)], params: { newAuth: Buffer.alloc(0) } });
  });

  it('Shutdown(STATE), new process, Startup(CLEAR) is a TPM Restart: PCRs reset, saved contexts still load', async () => {
    const f = await richTpm();
    await f.client.run(Shutdown, { params: { shutdownType: TPM_SU.STATE } });
    const r = await powerCycle(f, TPM_SU.CLEAR);
    expect((await pcrs(r.client))[0]).to.deep.equal(Buffer.alloc(32));
    expect(await counts(r.client)).to.deep.equal({ resetCount: 1, restartCount: 1, safe: true });
    await r.client.run(ContextLoad, { params: { context: f.savedSession.context } });
    await r.client.run(ContextLoad, { params: { context: f.objectContext } });
    // platform authorization and the enables are back to their defaults
    expect((await property(r.client, TPM_PT.STARTUP_CLEAR)) >>> 0).to.equal((0x80000000 | 0b1111) >>> 0);
    await r.client.run(HierarchyChangeAuth, { handles: { authHandle: TPM_RH.PLATFORM }, auth: [pw()], params: { newAuth: Buffer.alloc(0) } });
  });

  it('Shutdown(CLEAR), new process: Startup(STATE) is refused, Startup(CLEAR) is a TPM Reset that ends every context', async () => {
    const f = await richTpm();
    await f.client.run(Shutdown, { params: { shutdownType: TPM_SU.CLEAR } });
    const r = await powerCycle(f, null);
    expect(await mustFail(r.client.run(Startup, { params: { startupType: TPM_SU.STATE } }))).to.equal(VALUE_P1);
    await r.client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
    expect(await counts(r.client)).to.deep.equal({ resetCount: 2, restartCount: 0, safe: true });
    expect(await mustFail(r.client.run(ContextLoad, { params: { context: f.savedSession.context } }))).to.equal(INTEGRITY_P1);
    expect(await mustFail(r.client.run(ContextLoad, { params: { context: f.objectContext } }))).to.equal(INTEGRITY_P1);
    await f.client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
    expect(r.tpm.save()).to.deep.equal(f.tpm.save());
  });

  it('no Shutdown, new process (a crash): Startup(CLEAR) counts the DA failure and Clock is unsafe, as in process', async () => {
    const f = await richTpm();
    const r = await powerCycle(f, TPM_SU.CLEAR);
    expect(await property(r.client, TPM_PT.LOCKOUT_COUNTER)).to.equal(2); // one failure + the unorderly shutdown after DA use
    expect((await counts(r.client)).safe).to.equal(false);
    expect((await property(r.client, TPM_PT.STARTUP_CLEAR)) >>> 0).to.equal(0b1111); // not orderly
  });

  it('what changes after Shutdown(STATE) is lost at Startup, in process and across restore alike', async () => {
    const f = await richTpm();
    await f.client.run(Shutdown, { params: { shutdownType: TPM_SU.STATE } });
    await f.client.run(HierarchyChangeAuth, { handles: { authHandle: TPM_RH.PLATFORM }, auth: [pw(PLATFORM_PW)], params: { newAuth: Buffer.from('after shutdown') } });
    const r = await powerCycle(f, TPM_SU.STATE);
    expect(await rcOf(r.client.run(HierarchyChangeAuth, { handles: { authHandle: TPM_RH.PLATFORM }, auth: [pw(PLATFORM_PW)], params: { newAuth: Buffer.alloc(0) } }))).to.equal(0);
  });

  it('the volatile blob taken after Shutdown(STATE) resumes the same way (suspend to disk, migration)', async () => {
    const f = await richTpm();
    await f.client.run(Shutdown, { params: { shutdownType: TPM_SU.STATE } });
    const r = restoreOnClock(f.tpm.save(), f.clock.ms);
    for (const t of [f.tpm, r.tpm]) t.init();
    for (const c of [f.client, r.client]) await c.run(Startup, { params: { startupType: TPM_SU.STATE } });
    expect(r.tpm.save()).to.deep.equal(f.tpm.save());
  });

  it('a restored TPM without volatile state waits for Startup; with it, it is started', async () => {
    const f = await richTpm();
    const blobs = f.tpm.save();
    const cold = restoreOnClock({ permanent: blobs.permanent }, f.clock.ms);
    expect(await mustFail(cold.client.run(ReadClock, { params: {} }))).to.equal(TPM_RC.INITIALIZE);
    expect(await rcOf(restoreOnClock(blobs, f.clock.ms).client.run(ReadClock, { params: {} }))).to.equal(0);
  });
});
