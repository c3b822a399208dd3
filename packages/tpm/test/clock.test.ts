import { expect } from 'chai';
import { ClockRateAdjust, ClockSet, ReadClock, Shutdown, Startup, TpmClient, TpmResponseError, TPM_RC, TPM_RH, TPM_SU } from '../src/index.js';
import { startClockedTpm } from './kit/startedTpm.js';

/** A TPM whose millisecond time source the test moves by hand. */
async function started() {
  const { tpm, client, clock } = await startClockedTpm(undefined, 0);
  return { tpm, client, at: (ms: number) => void (clock.ms = ms) };
}

const readClock = async (client: TpmClient) => (await client.run(ReadClock, { params: {} })).currentTime;
const owner = [{ password: '' }];
const rcOf = (p: Promise<unknown>) => p.then(() => TPM_RC.SUCCESS, (e: TpmResponseError) => e.rc);
const clockSet = (client: TpmClient, newTime: bigint, auth: number = TPM_RH.OWNER) => client.run(ClockSet, { handles: { auth }, params: { newTime }, auth: owner });

describe('ReadClock, ClockSet, ClockRateAdjust', () => {
  it('reads time since _TPM_Init, Clock, the reset and restart counts and safe (swtpm: reset_count 1 after the first Startup)', async () => {
    const { tpm, client, at } = await started();
    at(1500);
    expect(await readClock(client)).to.deep.equal({ time: 1500n, clockInfo: { clock: 1500n, resetCount: 1, restartCount: 0, safe: true } });
    at(2000);
    await client.run(Shutdown, { params: { shutdownType: TPM_SU.STATE } });
    tpm.init();
    await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
    at(2100);
    expect(await readClock(client)).to.deep.equal({ time: 100n, clockInfo: { clock: 2100n, resetCount: 1, restartCount: 1, safe: true } });
  });

  it('is not safe after an unorderly Startup until Clock crosses a 4096 ms NV update (swtpm: safe from clock 4096 on)', async () => {
    const { tpm, client, at } = await started();
    at(1000);
    tpm.init();
    await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
    at(4095);
    expect((await readClock(client)).clockInfo).to.include({ safe: false, resetCount: 2 });
    at(4096);
    expect((await readClock(client)).clockInfo.safe).to.equal(true);
  });

  it('moves Clock forward only, up to 0xFFFF000000000000, else TPM_RC_VALUE + parameter 1 (swtpm: 0x1c4)', async () => {
    const { client, at } = await started();
    at(10);
    expect(await rcOf(clockSet(client, 9n))).to.equal(0x1c4);
    await clockSet(client, 100000n);
    expect((await readClock(client)).clockInfo.clock).to.equal(100000n);
    expect(await rcOf(clockSet(client, 99999n))).to.equal(0x1c4);
    expect(await rcOf(clockSet(client, 0xffff000000000001n, TPM_RH.PLATFORM))).to.equal(0x1c4);
    await clockSet(client, 0xffff000000000000n, TPM_RH.PLATFORM);
    expect((await readClock(client)).clockInfo.clock).to.equal(0xffff000000000000n);
  });

  it('makes Clock safe when ClockSet crosses an update interval', async () => {
    const { tpm, client } = await started();
    tpm.init();
    await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
    await clockSet(client, 4095n);
    expect((await readClock(client)).clockInfo.safe).to.equal(false);
    await clockSet(client, 4096n);
    expect((await readClock(client)).clockInfo.safe).to.equal(true);
  });

  it('needs owner or platform authorization (swtpm: endorsement is TPM_RC_VALUE + handle 1, 0x184)', async () => {
    const { client } = await started();
    expect(await rcOf(clockSet(client, 1000n, TPM_RH.ENDORSEMENT))).to.equal(0x184);
    expect(await rcOf(client.run(ClockSet, { handles: { auth: TPM_RH.OWNER }, params: { newTime: 1000n } }))).to.equal(TPM_RC.AUTH_MISSING);
  });

  it('records a rate adjustment in -3..3 and refuses others with TPM_RC_VALUE + parameter 1 (swtpm)', async () => {
    const { tpm, client } = await started();
    const adjust = (rateAdjust: number) => client.run(ClockRateAdjust, { handles: { auth: TPM_RH.OWNER }, params: { rateAdjust }, auth: owner });
    await adjust(-3);
    expect(tpm.clock.rateAdjust).to.equal(-3);
    await adjust(3);
    expect(tpm.clock.rateAdjust).to.equal(3);
    expect(await rcOf(adjust(4))).to.equal(0x1c4);
    expect(await rcOf(adjust(-4))).to.equal(0x1c4);
    expect(tpm.clock.rateAdjust).to.equal(3);
  });
});
