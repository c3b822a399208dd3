import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  GetCapability, NV_ChangeAuth, NV_ReadPublic, NV_UndefineSpace, NV_UndefineSpaceSpecial, TPM_ALG, TPM_CAP, TPM_PT, TPM_RC, TPMA_NV,
} from '../src/index.js';
import {
  BITS, COUNTER, EXTEND, OWNER, OWNER_RW, PIN_FAIL, PIN_PASS, PLATFORM, define, nt, started, write, type DefineOptions, type NvFixture,
} from './nvTestKit.js';
import { mustFail } from './kit/responseCodes.js';
import { pw } from './kit/startedTpm.js';

const A = TPMA_NV;
const RW = A.OWNERREAD | A.OWNERWRITE;

// Every expected code below is what swtpm 0.7.1 answered for the same NV_DefineSpace.
const DEFINE_CASES: [string, number, DefineOptions, number][] = [
  ['ordinary', RW, {}, TPM_RC.SUCCESS],
  ['no way to read', A.OWNERWRITE, {}, 0x2c2],
  ['no way to write', A.OWNERREAD, {}, 0x2c2],
  ['WRITTEN set by the caller', RW | A.WRITTEN, {}, 0x2c2],
  ['WRITELOCKED set by the caller', RW | A.WRITELOCKED, {}, 0x2c2],
  ['READLOCKED set by the caller', RW | A.READLOCKED, {}, 0x2c2],
  ['counter', RW | nt(COUNTER), {}, TPM_RC.SUCCESS],
  ['counter of 4 octets', RW | nt(COUNTER), { size: 4 }, 0x2d5],
  ['counter with CLEAR_STCLEAR', RW | nt(COUNTER) | A.CLEAR_STCLEAR, {}, 0x2c2],
  ['bit field', RW | nt(BITS), {}, TPM_RC.SUCCESS],
  ['extend index of a SHA-256 digest', RW | nt(EXTEND), { size: 32 }, TPM_RC.SUCCESS],
  ['extend index of the wrong size', RW | nt(EXTEND), { size: 20 }, 0x2d5],
  ['SHA-1 extend index', RW | nt(EXTEND), { size: 20, nameAlg: TPM_ALG.SHA1 }, TPM_RC.SUCCESS],
  ['PIN fail without NO_DA', RW | nt(PIN_FAIL), {}, 0x2c2],
  ['PIN fail with NO_DA', RW | nt(PIN_FAIL) | A.NO_DA, {}, TPM_RC.SUCCESS],
  ['PIN pass', RW | nt(PIN_PASS), {}, TPM_RC.SUCCESS],
  ['PIN pass with AUTHWRITE', RW | nt(PIN_PASS) | A.AUTHWRITE, {}, 0x2c2],
  ['PIN pass with GLOBALLOCK', RW | nt(PIN_PASS) | A.GLOBALLOCK, {}, 0x2c2],
  ['TPM_NT 3 (unassigned)', RW | nt(3), {}, 0x2c2],
  ['TPM_NT 5 (unassigned)', RW | nt(5), {}, 0x2c2],
  ['CLEAR_STCLEAR with WRITEDEFINE', RW | A.CLEAR_STCLEAR | A.WRITEDEFINE, {}, 0x2c2],
  ['PLATFORMCREATE by the owner', RW | A.PLATFORMCREATE, {}, 0x182],
  ['no PLATFORMCREATE by the platform', RW, { by: PLATFORM }, 0x182],
  ['PLATFORMCREATE by the platform', RW | A.PLATFORMCREATE, { by: PLATFORM }, TPM_RC.SUCCESS],
  ['POLICY_DELETE by the owner', RW | A.POLICY_DELETE, {}, 0x2c2],
  ['POLICY_DELETE by the platform', RW | A.POLICY_DELETE | A.PLATFORMCREATE, { by: PLATFORM }, TPM_RC.SUCCESS],
  ['WRITEALL above one NV buffer', RW | A.WRITEALL, { size: 1025 }, 0x2d5],
  ['WRITEALL of one NV buffer', RW | A.WRITEALL, { size: 1024 }, TPM_RC.SUCCESS],
  ['2048 octets (TPM_PT_NV_INDEX_MAX)', RW, { size: 2048 }, TPM_RC.SUCCESS],
  ['2049 octets', RW, { size: 2049 }, 0x2d5],
  ['no data', RW, { size: 0 }, TPM_RC.SUCCESS],
  ['authPolicy that is not a nameAlg digest', RW, { authPolicy: Buffer.alloc(20) }, 0x2d5],
  ['authPolicy of a SHA-256 digest', RW, { authPolicy: Buffer.alloc(32) }, TPM_RC.SUCCESS],
  ['authValue longer than the digest', RW, { auth: Buffer.alloc(33, 1) }, 0x1d5],
  ['authValue within the digest once trailing zeros go', RW, { auth: Buffer.concat([Buffer.alloc(32, 1), Buffer.alloc(10)]) }, TPM_RC.SUCCESS],
  ['reserved bit 8', RW | (1 << 8), {}, 0x2e1],
  ['reserved bit 20', RW | (1 << 20), {}, 0x2e1],
  ['nameAlg NULL', RW, { nameAlg: TPM_ALG.NULL }, 0x2c3],
  ['ORDERLY', RW | A.ORDERLY, {}, TPM_RC.SUCCESS],
];

describe('NV_DefineSpace', () => {
  for (const [title, attributes, opts, expected] of DEFINE_CASES) {
    it(`${title}: 0x${expected.toString(16)} as in swtpm`, async () => {
      const f = await started();
      const p = define(f, 0x01000100, attributes, opts);
      if (expected === TPM_RC.SUCCESS) await p;
      else expect(await mustFail(p)).to.equal(expected);
    });
  }

  it('refuses an index outside the NV range (TPM_RC_VALUE, parameter 2) and a second definition (TPM_RC_NV_DEFINED)', async () => {
    const f = await started();
    expect(await mustFail(define(f, 0x81000000, RW))).to.equal(0x2c4);
    await define(f, 0x01000001, RW);
    expect(await mustFail(define(f, 0x01000001, RW))).to.equal(TPM_RC.NV_DEFINED);
  });

  it('answers TPM_RC_HIERARCHY for the platform when phEnableNV is clear', async () => {
    const f = await started();
    f.tpm.hierarchies.enabled.set(0x4000000d, false);
    expect(await mustFail(define(f, 0x01000001, RW | A.PLATFORMCREATE, { by: PLATFORM }))).to.equal(0x185);
  });

  describe('fills NV as swtpm does (TPM_RC_NV_SPACE at the same index)', () => {
    async function fill(f: NvFixture, attributes: number, size: number, first = 0x01000000): Promise<number> {
      for (let n = 0; ; n++) {
        const rc = await define(f, first + n, attributes, { size }).then(() => 0, (e) => e.rc);
        if (rc) {
          expect(rc).to.equal(TPM_RC.NV_SPACE);
          return n;
        }
      }
    }
    // swtpm: 997 empty, 68 of 2048 octets (then one of at most 1900), 131 of 1000, 955 counters,
    // 25 orderly of 8 octets and 4 orderly of 100 (the orderly RAM holds 512 octets).
    for (const [what, attributes, size, count] of [
      ['empty indices', RW, 0, 997],
      ['2048-octet indices', RW, 2048, 68],
      ['1000-octet indices', RW, 1000, 131],
      ['counters', RW | nt(COUNTER), 8, 955],
      ['8-octet ORDERLY indices', RW | A.ORDERLY, 8, 25],
      ['100-octet ORDERLY indices', RW | A.ORDERLY, 100, 4],
    ] as const) {
      it(`${count} ${what}`, async () => {
        const f = await started();
        expect(await fill(f, attributes, size)).to.equal(count);
      });
    }

    it('after 68 indices of 2048 octets, one of 1900 octets still fits but not one of 1901; then 20 counters', async () => {
      const f = await started();
      await fill(f, RW, 2048);
      expect(await mustFail(define(f, 0x01100000, RW, { size: 1901 }))).to.equal(TPM_RC.NV_SPACE);
      await define(f, 0x01100000, RW, { size: 1900 });
      await f.client.run(NV_UndefineSpace, { handles: { authHandle: OWNER, nvIndex: 0x01100000 }, params: {}, auth: [pw()] });
      expect(await fill(f, RW | nt(COUNTER), 8, 0x01200000)).to.equal(20);
    });

    it('reports TPM_PT_NV_COUNTERS and TPM_PT_NV_COUNTERS_AVAIL as swtpm (25 fresh, limited by the orderly RAM)', async () => {
      const f = await started();
      const props = async () => {
        const r = await f.client.run(GetCapability, { params: { capability: TPM_CAP.TPM_PROPERTIES, property: TPM_PT.NV_COUNTERS, propertyCount: 2 } });
        return (r.capabilityData.data as { property: number; value: number }[]).map((p) => p.value);
      };
      expect(await props()).to.deep.equal([0, 25]);
      await define(f, 0x01000000, RW | nt(COUNTER));
      expect(await props()).to.deep.equal([1, 25]);
      expect(await fill(f, RW, 0, 0x01000001)).to.equal(997);
      expect(await props()).to.deep.equal([1, 7]);
    });
  });
});

describe('NV_ReadPublic', () => {
  /** TPMS_NV_PUBLIC marshalled by hand (Part 2, 13.5) and hashed with node:crypto. */
  function expectedName(index: number, nameAlg: string, algId: number, attributes: number, authPolicy: Buffer, dataSize: number): string {
    const pub = Buffer.alloc(4 + 2 + 4 + 2 + authPolicy.length + 2);
    pub.writeUInt32BE(index, 0);
    pub.writeUInt16BE(algId, 4);
    pub.writeUInt32BE(attributes >>> 0, 6);
    pub.writeUInt16BE(authPolicy.length, 10);
    authPolicy.copy(pub, 12);
    pub.writeUInt16BE(dataSize, 12 + authPolicy.length);
    const id = Buffer.alloc(2);
    id.writeUInt16BE(algId);
    return Buffer.concat([id, createHash(nameAlg).update(pub).digest()]).toString('hex');
  }

  it('answers the public area and the Name nameAlg || H(TPMS_NV_PUBLIC), which follows TPMA_NV_WRITTEN', async () => {
    const f = await started();
    const policy = Buffer.alloc(32, 0xab);
    await define(f, 0x01000042, OWNER_RW, { size: 16, authPolicy: policy });
    const before = await f.client.run(NV_ReadPublic, { handles: { nvIndex: 0x01000042 }, params: {} });
    expect(before.nvPublic).to.deep.equal({ nvIndex: 0x01000042, nameAlg: TPM_ALG.SHA256, attributes: OWNER_RW, authPolicy: policy, dataSize: 16 });
    expect(before.nvName.toString('hex')).to.equal(expectedName(0x01000042, 'sha256', TPM_ALG.SHA256, OWNER_RW, policy, 16));
    // The Names swtpm 0.7.1 gives for this definition, before and after the first write
    expect(before.nvName.toString('hex')).to.equal('000bc6e7e51b1070052fe1b58f243bdf14df1f89909a913343f9696e09c06f9e669a');

    await write(f, 0x01000042, 'x');
    const after = await f.client.run(NV_ReadPublic, { handles: { nvIndex: 0x01000042 }, params: {} });
    expect(after.nvPublic.attributes).to.equal((OWNER_RW | A.WRITTEN) >>> 0);
    expect(after.nvName.toString('hex')).to.equal(expectedName(0x01000042, 'sha256', TPM_ALG.SHA256, OWNER_RW | A.WRITTEN, policy, 16));
    expect(after.nvName.toString('hex')).to.equal('000be4242e1cd9964e6872e54db08c6812802c72090a642067f24c92c377338dfcbb');
    expect(f.tpm.nameOf(0x01000042).equals(after.nvName)).to.equal(true);
  });

  it('hashes with the index nameAlg (SHA-384 here)', async () => {
    const f = await started();
    await define(f, 0x01000043, OWNER_RW, { nameAlg: TPM_ALG.SHA384, size: 4 });
    const r = await f.client.run(NV_ReadPublic, { handles: { nvIndex: 0x01000043 }, params: {} });
    expect(r.nvName.toString('hex')).to.equal(expectedName(0x01000043, 'sha384', TPM_ALG.SHA384, OWNER_RW, Buffer.alloc(0), 4));
  });

  it('answers TPM_RC_HANDLE (handle 1) for an undefined index and hides owner indices while shEnable is clear', async () => {
    const f = await started();
    expect(await mustFail(f.client.run(NV_ReadPublic, { handles: { nvIndex: 0x01000044 }, params: {} }))).to.equal(0x18b);
    await define(f, 0x01000044, OWNER_RW);
    f.tpm.hierarchies.enabled.set(OWNER, false);
    expect(await mustFail(f.client.run(NV_ReadPublic, { handles: { nvIndex: 0x01000044 }, params: {} }))).to.equal(0x18b);
  });
});

describe('NV_UndefineSpace and NV_UndefineSpaceSpecial', () => {
  const undefine = (f: NvFixture, nvIndex: number, by = OWNER) => f.client.run(NV_UndefineSpace, { handles: { authHandle: by, nvIndex }, params: {}, auth: [pw()] });

  it('deletes an index; deleting it again is TPM_RC_HANDLE for handle 2', async () => {
    const f = await started();
    await define(f, 0x01000001, RW);
    await undefine(f, 0x01000001);
    expect(f.tpm.nv.handles()).to.deep.equal([]);
    expect(await mustFail(undefine(f, 0x01000001))).to.equal(0x28b);
  });

  it('lets the platform delete owner indices but not the owner platform ones (TPM_RC_NV_AUTHORIZATION)', async () => {
    const f = await started();
    await define(f, 0x01000001, RW);
    await define(f, 0x01000002, RW | A.PLATFORMCREATE, { by: PLATFORM });
    expect(await mustFail(undefine(f, 0x01000002))).to.equal(TPM_RC.NV_AUTHORIZATION);
    await undefine(f, 0x01000001, PLATFORM);
    await undefine(f, 0x01000002, PLATFORM);
  });

  it('refuses a POLICY_DELETE index (TPM_RC_ATTRIBUTES, handle 2)', async () => {
    const f = await started();
    await define(f, 0x01000003, RW | A.POLICY_DELETE | A.PLATFORMCREATE, { by: PLATFORM, authPolicy: Buffer.alloc(32, 7) });
    expect(await mustFail(undefine(f, 0x01000003, PLATFORM))).to.equal(0x282);
  });

  it('NV_UndefineSpaceSpecial needs a policy session for the index (TPM_RC_AUTH_TYPE for a password)', async () => {
    const f = await started();
    await define(f, 0x01000003, RW | A.POLICY_DELETE | A.PLATFORMCREATE, { by: PLATFORM, authPolicy: Buffer.alloc(32, 7) });
    const special = f.client.run(NV_UndefineSpaceSpecial, { handles: { nvIndex: 0x01000003, platform: PLATFORM }, params: {}, auth: [pw(), pw()] });
    expect(await mustFail(special)).to.equal(TPM_RC.AUTH_TYPE);
  });
});

describe('NV_ChangeAuth', () => {
  it('needs the ADMIN role: a password is TPM_RC_AUTH_TYPE, as in swtpm', async () => {
    const f = await started();
    await define(f, 0x01000001, RW | A.AUTHREAD | A.AUTHWRITE, { auth: 'old' });
    expect(await mustFail(f.client.run(NV_ChangeAuth, { handles: { nvIndex: 0x01000001 }, params: { newAuth: Buffer.from('new') }, auth: [pw('old')] }))).to.equal(TPM_RC.AUTH_TYPE);
  });
});

describe('GetCapability(HANDLES) of the NV range', () => {
  it('lists the defined indices in ascending order from the requested handle', async () => {
    const f = await started();
    for (const h of [0x01000010, 0x01000002, 0x01800001]) await define(f, h, RW);
    const list = async (from: number) =>
      (await f.client.run(GetCapability, { params: { capability: TPM_CAP.HANDLES, property: from, propertyCount: 10 } })).capabilityData.data;
    expect(await list(0x01000000)).to.deep.equal([0x01000002, 0x01000010, 0x01800001]);
    expect(await list(0x01000003)).to.deep.equal([0x01000010, 0x01800001]);
  });
});
