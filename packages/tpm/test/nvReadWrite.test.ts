import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  NV_Extend, NV_GlobalWriteLock, NV_Increment, NV_ReadLock, NV_SetBits, NV_UndefineSpace, NV_WriteLock, TPM_ALG, TPM_RC, TPMA_NV,
} from '../src/index.js';
import {
  AUTH_RW, BITS, COUNTER, EXTEND, OWNER, OWNER_RW, PLATFORM, attributesOf, define, hasAttr, nt, read, started, write, type NvFixture,
} from './nvTestKit.js';
import { mustFail } from './kit/responseCodes.js';
import { pw } from './kit/startedTpm.js';

// Expected codes: swtpm 0.7.1 for the same command sequences (see nvTestKit.ts).

const A = TPMA_NV;
const I = 0x01500000;

const increment = (f: NvFixture, nvIndex: number, by = OWNER) => f.client.run(NV_Increment, { handles: { authHandle: by, nvIndex }, params: {}, auth: [pw()] });
const extend = (f: NvFixture, nvIndex: number, data: string) => f.client.run(NV_Extend, { handles: { authHandle: OWNER, nvIndex }, params: { data: Buffer.from(data) }, auth: [pw()] });
const setBits = (f: NvFixture, nvIndex: number, bits: bigint) => f.client.run(NV_SetBits, { handles: { authHandle: OWNER, nvIndex }, params: { bits }, auth: [pw()] });
const writeLock = (f: NvFixture, nvIndex: number, by = OWNER) => f.client.run(NV_WriteLock, { handles: { authHandle: by, nvIndex }, params: {}, auth: [pw()] });
const readLock = (f: NvFixture, nvIndex: number, by = OWNER) => f.client.run(NV_ReadLock, { handles: { authHandle: by, nvIndex }, params: {}, auth: [pw()] });

describe('NV_Write and NV_Read', () => {
  it('write then read back; TPM_RC_NV_UNINITIALIZED before the first write', async () => {
    const f = await started();
    await define(f, I, OWNER_RW | AUTH_RW, { size: 32, auth: 'pw' });
    expect(await mustFail(read(f, I, 4, 0, I, 'pw'))).to.equal(TPM_RC.NV_UNINITIALIZED);
    await write(f, I, 'hello', 3, I, 'pw');
    // the first write leaves the rest of the index erased (0xff), as swtpm reads it
    expect((await read(f, I, 32)).toString('hex')).to.equal('ffffff' + Buffer.from('hello').toString('hex') + 'ff'.repeat(24));
    expect((await read(f, I, 5, 3, I, 'pw')).toString()).to.equal('hello');
    expect(hasAttr(await attributesOf(f, I), A.WRITTEN)).to.equal(true);
  });

  it('checks offset and size: TPM_RC_VALUE for an offset past the end, TPM_RC_NV_RANGE for a range past it', async () => {
    const f = await started();
    await define(f, I, OWNER_RW, { size: 32 });
    await write(f, I, 'x');
    expect(await mustFail(read(f, I, 30, 3))).to.equal(TPM_RC.NV_RANGE);
    expect(await mustFail(read(f, I, 0, 33))).to.equal(0x2c4);
    expect(await mustFail(read(f, I, 1025))).to.equal(0x1c4);
    expect(await mustFail(write(f, I, Buffer.alloc(30), 3))).to.equal(TPM_RC.NV_RANGE);
    expect(await mustFail(write(f, I, Buffer.alloc(0), 33))).to.equal(0x2c4);
    expect((await read(f, I, 0, 32)).length).to.equal(0);
  });

  it('WRITEALL indices take whole writes only', async () => {
    const f = await started();
    await define(f, I, OWNER_RW | A.WRITEALL, { size: 4 });
    expect(await mustFail(write(f, I, 'ab'))).to.equal(TPM_RC.NV_RANGE);
    await write(f, I, 'abcd');
    expect((await read(f, I, 4)).toString()).to.equal('abcd');
  });

  it('owner and platform need OWNER*/PP* (TPM_RC_NV_AUTHORIZATION); the index needs AUTH* (TPM_RC_AUTH_UNAVAILABLE)', async () => {
    const f = await started();
    await define(f, I, OWNER_RW | AUTH_RW, { size: 8 });
    await define(f, I + 1, OWNER_RW, { size: 8 });
    expect(await mustFail(write(f, I, 'x', 0, PLATFORM))).to.equal(TPM_RC.NV_AUTHORIZATION);
    await write(f, I, 'x');
    expect(await mustFail(read(f, I, 1, 0, PLATFORM))).to.equal(TPM_RC.NV_AUTHORIZATION);
    expect(await mustFail(write(f, I + 1, 'x', 0, I + 1))).to.equal(TPM_RC.AUTH_UNAVAILABLE);
    expect(await mustFail(read(f, I + 1, 1, 0, I + 1))).to.equal(TPM_RC.AUTH_UNAVAILABLE);
    // another index cannot authorize this one
    expect(await mustFail(write(f, I + 1, 'x', 0, I))).to.equal(TPM_RC.NV_AUTHORIZATION);
  });

  it('a wrong password is TPM_RC_BAD_AUTH for a NO_DA index and TPM_RC_AUTH_FAIL (counted) otherwise', async () => {
    const f = await started();
    await define(f, I, AUTH_RW | A.NO_DA, { auth: 'pw' });
    await define(f, I + 1, AUTH_RW, { auth: 'pw' });
    expect(await mustFail(write(f, I, 'x', 0, I, 'wrong'))).to.equal(0x9a2);
    expect(f.tpm.isDaExempt(I)).to.equal(true);
    // swtpm answers TPM_RC_RETRY (0x922) to the first DA-protected authorization after Startup, then this
    expect(await mustFail(write(f, I + 1, 'x', 0, I + 1, 'wrong'))).to.equal(0x98e);
    expect(f.tpm.isDaExempt(I + 1)).to.equal(false);
  });

  it('refuses NV_Write to counter, bit field and extend indices (TPM_RC_ATTRIBUTES, unnumbered)', async () => {
    const f = await started();
    await define(f, I, OWNER_RW | nt(COUNTER));
    await define(f, I + 1, OWNER_RW | nt(BITS));
    await define(f, I + 2, OWNER_RW | nt(EXTEND), { size: 32 });
    for (const h of [I, I + 1, I + 2]) expect(await mustFail(write(f, h, Buffer.alloc(8)))).to.equal(TPM_RC.ATTRIBUTES);
  });

  it('answers TPM_RC_HANDLE (handle 2) for an undefined index', async () => {
    const f = await started();
    expect(await mustFail(write(f, I + 99, 'x'))).to.equal(0x28b);
  });
});

describe('NV_Increment, NV_SetBits and NV_Extend', () => {
  it('counts from 1, and a new counter starts above the highest deleted one (swtpm: 3, 1, then 4)', async () => {
    const f = await started();
    await define(f, I, OWNER_RW | nt(COUNTER));
    expect(await mustFail(read(f, I, 8))).to.equal(TPM_RC.NV_UNINITIALIZED);
    for (let k = 0; k < 3; k++) await increment(f, I);
    expect((await read(f, I, 8)).readBigUInt64BE()).to.equal(3n);
    await define(f, I + 1, OWNER_RW | nt(COUNTER));
    await increment(f, I + 1);
    expect((await read(f, I + 1, 8)).readBigUInt64BE()).to.equal(1n);
    await f.client.run(NV_UndefineSpace, { handles: { authHandle: OWNER, nvIndex: I }, params: {}, auth: [pw()] });
    await define(f, I, OWNER_RW | nt(COUNTER));
    await increment(f, I);
    expect((await read(f, I, 8)).readBigUInt64BE()).to.equal(4n);
  });

  it('ORs bits into a bit field, starting from zero', async () => {
    const f = await started();
    await define(f, I, OWNER_RW | nt(BITS));
    await setBits(f, I, 0x8000000000000001n);
    await setBits(f, I, 0x10n);
    expect((await read(f, I, 8)).toString('hex')).to.equal('8000000000000011');
  });

  it('extends: new = H(old || data) with the index nameAlg, old being zeros at first', async () => {
    for (const [alg, id, size] of [['sha256', TPM_ALG.SHA256, 32], ['sha1', TPM_ALG.SHA1, 20]] as const) {
      const f = await started();
      await define(f, I, OWNER_RW | nt(EXTEND), { size, nameAlg: id });
      await extend(f, I, 'abc');
      await extend(f, I, 'def');
      const h = (...parts: Buffer[]) => parts.reduce((x, p) => x.update(p), createHash(alg)).digest();
      const expected = h(h(Buffer.alloc(size), Buffer.from('abc')), Buffer.from('def'));
      expect((await read(f, I, size)).toString('hex'), alg).to.equal(expected.toString('hex'));
    }
  });

  it('refuses the wrong index type with TPM_RC_ATTRIBUTES for handle 2', async () => {
    const f = await started();
    await define(f, I, OWNER_RW);
    expect(await mustFail(increment(f, I))).to.equal(0x282);
    expect(await mustFail(setBits(f, I, 1n))).to.equal(0x282);
    expect(await mustFail(extend(f, I, 'x'))).to.equal(0x282);
  });
});

describe('NV_WriteLock, NV_ReadLock and NV_GlobalWriteLock', () => {
  it('write-locks a WRITE_STCLEAR index (again: no error), then writes are TPM_RC_NV_LOCKED', async () => {
    const f = await started();
    await define(f, I, OWNER_RW | A.WRITE_STCLEAR, { size: 4 });
    await write(f, I, 'abcd');
    await writeLock(f, I);
    await writeLock(f, I);
    expect(hasAttr(await attributesOf(f, I), A.WRITELOCKED)).to.equal(true);
    expect(await mustFail(write(f, I, 'abcd'))).to.equal(TPM_RC.NV_LOCKED);
    expect((await read(f, I, 4)).toString()).to.equal('abcd');
  });

  it('read-locks a READ_STCLEAR index, even unwritten; reads are then TPM_RC_NV_LOCKED', async () => {
    const f = await started();
    await define(f, I, OWNER_RW | A.READ_STCLEAR, { size: 4 });
    await readLock(f, I);
    await write(f, I, 'abcd');
    expect(await mustFail(read(f, I, 4))).to.equal(TPM_RC.NV_LOCKED);
  });

  it('refuses locks the index does not allow (TPM_RC_ATTRIBUTES, handle 2) and a wrong authorizer (TPM_RC_NV_AUTHORIZATION)', async () => {
    const f = await started();
    await define(f, I, OWNER_RW);
    expect(await mustFail(writeLock(f, I))).to.equal(0x282);
    expect(await mustFail(readLock(f, I))).to.equal(0x282);
    await define(f, I + 1, OWNER_RW | A.READ_STCLEAR | A.WRITE_STCLEAR);
    expect(await mustFail(readLock(f, I + 1, PLATFORM))).to.equal(TPM_RC.NV_AUTHORIZATION);
    expect(await mustFail(writeLock(f, I + 1, PLATFORM))).to.equal(TPM_RC.NV_AUTHORIZATION);
  });

  it('NV_GlobalWriteLock locks exactly the GLOBALLOCK indices', async () => {
    const f = await started();
    await define(f, I, OWNER_RW | A.GLOBALLOCK);
    await define(f, I + 1, OWNER_RW);
    await f.client.run(NV_GlobalWriteLock, { handles: { authHandle: OWNER }, params: {}, auth: [pw()] });
    expect(await mustFail(write(f, I, Buffer.alloc(8)))).to.equal(TPM_RC.NV_LOCKED);
    await write(f, I + 1, Buffer.alloc(8));
  });
});
