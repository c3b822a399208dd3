import { expect } from 'chai';
import { NV_GlobalWriteLock, NV_Increment, NV_ReadLock, NV_WriteLock, Shutdown, TPM_RC, TPM_SU, TPMA_NV } from '../src/index.js';
import { COUNTER, OWNER, OWNER_RW, attributesOf, define, hasAttr, nt, read, started, write, type NvFixture } from './nvTestKit.js';
import { mustFail } from './kit/responseCodes.js';
import { pw, reboot } from './kit/startedTpm.js';

// What Startup does to indices (Part 1, 37.4): every expectation was checked against swtpm 0.7.1
// with the same sequence of Shutdown / _TPM_Init (swtpm control CMD_INIT) / Startup.

const A = TPMA_NV;
const I = 0x01600000;
const INDEX = {
  writeStClear: I,
  writeDefine: I + 1,
  readStClear: I + 2,
  clearStClear: I + 3,
  orderly: I + 4,
  orderlyCounter: I + 5,
  counter: I + 6,
  globalLock: I + 7,
  writeDefineUnwritten: I + 8,
};

async function defineAll(f: NvFixture): Promise<void> {
  await define(f, INDEX.writeStClear, OWNER_RW | A.WRITE_STCLEAR);
  await define(f, INDEX.writeDefine, OWNER_RW | A.WRITEDEFINE);
  await define(f, INDEX.readStClear, OWNER_RW | A.READ_STCLEAR);
  await define(f, INDEX.clearStClear, OWNER_RW | A.CLEAR_STCLEAR);
  await define(f, INDEX.orderly, OWNER_RW | A.ORDERLY);
  await define(f, INDEX.orderlyCounter, OWNER_RW | A.ORDERLY | nt(COUNTER));
  await define(f, INDEX.counter, OWNER_RW | nt(COUNTER));
  await define(f, INDEX.globalLock, OWNER_RW | A.GLOBALLOCK);
  await define(f, INDEX.writeDefineUnwritten, OWNER_RW | A.WRITEDEFINE);
}

const increment = (f: NvFixture, nvIndex: number) => f.client.run(NV_Increment, { handles: { authHandle: OWNER, nvIndex }, params: {}, auth: [pw()] });

/** Writes what can be written, then sets every lock. */
async function writeAndLock(f: NvFixture): Promise<void> {
  for (const h of [INDEX.writeStClear, INDEX.orderly, INDEX.clearStClear, INDEX.globalLock, INDEX.readStClear]) await write(f, h, '12345678');
  await write(f, INDEX.writeDefine, '12345678').catch(() => undefined); // locked for good after the first round
  for (const h of [INDEX.orderlyCounter, INDEX.counter]) await increment(f, h);
  for (const h of [INDEX.writeStClear, INDEX.writeDefine, INDEX.writeDefineUnwritten]) await f.client.run(NV_WriteLock, { handles: { authHandle: OWNER, nvIndex: h }, params: {}, auth: [pw()] });
  await f.client.run(NV_ReadLock, { handles: { authHandle: OWNER, nvIndex: INDEX.readStClear }, params: {}, auth: [pw()] });
  await f.client.run(NV_GlobalWriteLock, { handles: { authHandle: OWNER }, params: {}, auth: [pw()] });
}

async function cycle(f: NvFixture, shutdown: number | null, startup: number): Promise<void> {
  if (shutdown !== null) await f.client.run(Shutdown, { params: { shutdownType: shutdown } });
  await reboot(f, startup);
}

const locked = async (f: NvFixture, h: number) => hasAttr(await attributesOf(f, h), A.WRITELOCKED);
const counterValue = async (f: NvFixture, h: number) => (await read(f, h, 8)).readBigUInt64BE();

describe('NV indices across Startup', () => {
  it('TPM Restart ends WRITE_STCLEAR, global and read locks and CLEAR_STCLEAR data; WRITEDEFINE locks and ORDERLY data stay', async () => {
    const f = await started();
    await defineAll(f);
    await writeAndLock(f);
    await cycle(f, TPM_SU.STATE, TPM_SU.CLEAR);
    expect(await locked(f, INDEX.writeStClear)).to.equal(false);
    expect(await locked(f, INDEX.globalLock)).to.equal(false);
    expect(await locked(f, INDEX.writeDefine)).to.equal(true);
    expect(await locked(f, INDEX.writeDefineUnwritten)).to.equal(false); // unwritten: the lock does not survive
    expect(await mustFail(write(f, INDEX.writeDefine, 'x'))).to.equal(TPM_RC.NV_LOCKED);
    expect(hasAttr(await attributesOf(f, INDEX.readStClear), A.READLOCKED)).to.equal(false);
    expect((await read(f, INDEX.readStClear, 8)).toString()).to.equal('12345678');
    expect(await mustFail(read(f, INDEX.clearStClear, 8))).to.equal(TPM_RC.NV_UNINITIALIZED);
    expect((await read(f, INDEX.orderly, 8)).toString()).to.equal('12345678');
    expect(await counterValue(f, INDEX.orderlyCounter)).to.equal(1n);
    expect(await counterValue(f, INDEX.counter)).to.equal(1n);
  });

  it('TPM Resume keeps every lock and all data', async () => {
    const f = await started();
    await defineAll(f);
    await writeAndLock(f);
    await cycle(f, TPM_SU.STATE, TPM_SU.STATE);
    for (const h of [INDEX.writeStClear, INDEX.globalLock, INDEX.writeDefine, INDEX.writeDefineUnwritten]) expect(await locked(f, h)).to.equal(true);
    expect(await mustFail(read(f, INDEX.readStClear, 8))).to.equal(TPM_RC.NV_LOCKED);
    expect((await read(f, INDEX.clearStClear, 8)).toString()).to.equal('12345678');
  });

  it('TPM Reset also empties ORDERLY indices, but never counters', async () => {
    const f = await started();
    await defineAll(f);
    await writeAndLock(f);
    await cycle(f, TPM_SU.CLEAR, TPM_SU.CLEAR);
    expect(await mustFail(read(f, INDEX.orderly, 8))).to.equal(TPM_RC.NV_UNINITIALIZED);
    expect(await mustFail(read(f, INDEX.clearStClear, 8))).to.equal(TPM_RC.NV_UNINITIALIZED);
    expect(await counterValue(f, INDEX.orderlyCounter)).to.equal(1n);
    expect(await counterValue(f, INDEX.counter)).to.equal(1n);
    expect(await locked(f, INDEX.writeDefine)).to.equal(true);
  });

  it('after an unorderly shutdown an ORDERLY counter resumes from its last saved value with the low 8 bits set (swtpm: 0xff)', async () => {
    const f = await started();
    await defineAll(f);
    await writeAndLock(f); // first increment: saved at once
    for (let k = 0; k < 5; k++) await increment(f, INDEX.orderlyCounter);
    expect(await counterValue(f, INDEX.orderlyCounter)).to.equal(6n);
    await cycle(f, null, TPM_SU.CLEAR);
    expect(await counterValue(f, INDEX.orderlyCounter)).to.equal(0xffn);
    expect(await counterValue(f, INDEX.counter)).to.equal(1n);
    await increment(f, INDEX.orderlyCounter);
    expect(await counterValue(f, INDEX.orderlyCounter)).to.equal(0x100n);
  });

  it('an orderly Shutdown saves ORDERLY counters', async () => {
    const f = await started();
    await defineAll(f);
    for (let k = 0; k < 7; k++) await increment(f, INDEX.orderlyCounter);
    await cycle(f, TPM_SU.CLEAR, TPM_SU.CLEAR);
    expect(await counterValue(f, INDEX.orderlyCounter)).to.equal(7n);
  });
});
