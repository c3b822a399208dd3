import { expect } from 'chai';
import {
  GetCapability, HashSequenceStart, StartAuthSession, Startup, TpmClient, TpmResponseError,
  TPM_ALG, TPM_CAP, TPM_PT, TPM_RC, TPM_RH, TPM_SE, TPM_SU,
} from '../src/index.js';
import { startTpm } from './kit/startedTpm.js';

// Expected values marked "swtpm" were read from swtpm 0.7.1 (libtpms 0.9.2) with the same commands.

const started = () => startTpm('capability');

async function getCap(client: TpmClient, capability: number, property: number, propertyCount: number): Promise<{ more: boolean; data: any[] }> {
  const r = await client.run(GetCapability, { params: { capability, property, propertyCount } });
  expect(r.capabilityData.capability).to.equal(capability);
  return { more: r.moreData, data: r.capabilityData.data as any[] };
}

async function rcOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TpmResponseError) return e.rc;
    throw e;
  }
  return TPM_RC.SUCCESS;
}

/** The raw GetCapability command (for answers the typed client cannot decode). */
function rawGetCap(capability: number, property: number, count: number): Buffer {
  const b = Buffer.alloc(22);
  b.writeUInt16BE(0x8001, 0);
  b.writeUInt32BE(22, 2);
  b.writeUInt32BE(0x17a, 6);
  b.writeUInt32BE(capability, 10);
  b.writeUInt32BE(property >>> 0, 14);
  b.writeUInt32BE(count, 18);
  return b;
}

/** swtpm's TPMA_CC for every command it implements (GetCapability(COMMANDS, 0, 1000)). */
const SWTPM_TPMA_CC = [
  0x0440011f, 0x04400120, 0x02c00121, 0x04400122, 0x02c00124, 0x02c00125, 0x02c00126, 0x02400127,
  0x02400128, 0x02400129, 0x0240012a, 0x0240012b, 0x0240012c, 0x0240012d, 0x0240012e, 0x02000130,
  0x12000131, 0x02400132, 0x04400133, 0x04400134, 0x04400135, 0x04400136, 0x04400137, 0x04400138,
  0x02400139, 0x0240013a, 0x0240013b, 0x0240013c, 0x0240013d, 0x0300013e, 0x0240013f, 0x02400140,
  0x00400142, 0x00400143, 0x00400144, 0x00400145, 0x00400146, 0x04000147, 0x04000148, 0x06000149,
  0x0400014a, 0x0400014b, 0x0400014c, 0x0600014d, 0x0400014e, 0x0440014f, 0x04000150, 0x04000151,
  0x04000152, 0x02000153, 0x02000154, 0x02000155, 0x02000156, 0x12000157, 0x02000158, 0x02000159,
  0x1200015b, 0x0200015c, 0x0200015d, 0x0200015e, 0x04000160, 0x10000161, 0x02000162, 0x02000163,
  0x02000164, 0x00000165, 0x10000167, 0x02000168, 0x02000169, 0x0200016a, 0x0200016b, 0x0200016c,
  0x0200016d, 0x0200016e, 0x0200016f, 0x02000170, 0x02000171, 0x02000172, 0x02000173, 0x02000174,
  0x14000176, 0x02000177, 0x00000178, 0x0000017a, 0x0000017b, 0x0000017c, 0x0000017d, 0x0000017e,
  0x0200017f, 0x02000180, 0x00000181, 0x02400182, 0x02000183, 0x06000184, 0x05400185, 0x10000186,
  0x02000187, 0x02000188, 0x02000189, 0x0000018a, 0x0200018b, 0x0200018c, 0x0200018d, 0x0000018e,
  0x0200018f, 0x02000190, 0x12000191, 0x06000192, 0x02000193, 0x04000197,
];

describe('GetCapability', () => {
  describe('ALGS', () => {
    it('lists the implemented algorithms with swtpm’s TPMA_ALGORITHM (swtpm also has TDES, SM2, KDF2, CAMELLIA, CMAC)', async () => {
      const { client } = await started();
      const { more, data } = await getCap(client, TPM_CAP.ALGS, 0, 1000);
      expect(more).to.equal(false);
      const asHex = data.map((a) => `${a.alg.toString(16)}:${a.algProperties.toString(16)}`);
      expect(asHex).to.deep.equal([
        '1:9', '4:4', '5:104', '6:2', '7:404', '8:30c', 'a:6', 'b:4', 'c:4', 'd:4', '14:101', '15:201', '16:101', '17:201',
        '18:101', '19:401', '1a:101', '1c:101', '1d:401', '20:404', '22:404', '23:9', '25:8', '40:202', '41:202', '42:202',
        '43:202', '44:202',
      ]);
    });

    it('pages from the starting algorithm, whose ID is the property’s low 16 bits (swtpm)', async () => {
      const { client } = await started();
      expect(await getCap(client, TPM_CAP.ALGS, TPM_ALG.CFB, 1)).to.deep.equal({ more: true, data: [{ alg: TPM_ALG.CFB, algProperties: 0x202 }] });
      expect(await getCap(client, TPM_CAP.ALGS, TPM_ALG.ECB, 5)).to.deep.equal({ more: false, data: [{ alg: TPM_ALG.ECB, algProperties: 0x202 }] });
      expect(await getCap(client, TPM_CAP.ALGS, 0x10044, 5)).to.deep.equal({ more: false, data: [{ alg: TPM_ALG.ECB, algProperties: 0x202 }] });
      expect(await getCap(client, TPM_CAP.ALGS, 0x45, 5)).to.deep.equal({ more: false, data: [] });
      expect(await getCap(client, TPM_CAP.ALGS, 0, 0)).to.deep.equal({ more: true, data: [] });
    });
  });

  describe('HANDLES', () => {
    it('pages PCR handles (swtpm)', async () => {
      const { client } = await started();
      expect(await getCap(client, TPM_CAP.HANDLES, 0, 3)).to.deep.equal({ more: true, data: [0, 1, 2] });
      expect(await getCap(client, TPM_CAP.HANDLES, 0x17, 3)).to.deep.equal({ more: false, data: [0x17] });
      expect(await getCap(client, TPM_CAP.HANDLES, 0x18, 3)).to.deep.equal({ more: false, data: [] });
      expect((await getCap(client, TPM_CAP.HANDLES, 0, 1000)).data).to.have.length(24);
    });

    it('lists the permanent handles (swtpm)', async () => {
      const { client } = await started();
      const all = [0x40000001, 0x40000007, 0x40000009, 0x4000000a, 0x4000000b, 0x4000000c, 0x4000000d];
      expect(await getCap(client, TPM_CAP.HANDLES, 0x40000000, 100)).to.deep.equal({ more: false, data: all });
      expect(await getCap(client, TPM_CAP.HANDLES, 0x40000002, 2)).to.deep.equal({ more: true, data: [0x40000007, 0x40000009] });
      expect(await getCap(client, TPM_CAP.HANDLES, 0x4000000e, 5)).to.deep.equal({ more: false, data: [] });
    });

    it('lists loaded objects and sessions; a policy session under its 0x03 handle in the 0x02 range (swtpm)', async () => {
      const { client } = await started();
      await client.run(HashSequenceStart, { params: { auth: Buffer.alloc(0), hashAlg: TPM_ALG.SHA256 } });
      await client.run(HashSequenceStart, { params: { auth: Buffer.alloc(0), hashAlg: TPM_ALG.SHA256 } });
      expect(await getCap(client, TPM_CAP.HANDLES, 0x80000000, 1)).to.deep.equal({ more: true, data: [0x80000000] });
      expect(await getCap(client, TPM_CAP.HANDLES, 0x80000001, 10)).to.deep.equal({ more: false, data: [0x80000001] });
      const session = (sessionType: number) =>
        client.run(StartAuthSession, {
          handles: { tpmKey: TPM_RH.NULL, bind: TPM_RH.NULL },
          params: { nonceCaller: Buffer.alloc(16, 1), encryptedSalt: Buffer.alloc(0), sessionType, symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, authHash: TPM_ALG.SHA256 },
        });
      await session(TPM_SE.HMAC);
      await session(TPM_SE.POLICY);
      expect(await getCap(client, TPM_CAP.HANDLES, 0x02000000, 10)).to.deep.equal({ more: false, data: [0x02000000, 0x03000001] });
      expect(await getCap(client, TPM_CAP.HANDLES, 0x02000001, 10)).to.deep.equal({ more: false, data: [0x03000001] });
      expect(await getCap(client, TPM_CAP.HANDLES, 0x03000000, 10)).to.deep.equal({ more: false, data: [] });
      const counts = await getCap(client, TPM_CAP.TPM_PROPERTIES, TPM_PT.HR_LOADED, 5);
      expect(counts.data.map((p) => p.value)).to.deep.equal([2, 1, 2, 62, 1]); // HR_LOADED, _AVAIL, HR_ACTIVE, _AVAIL, HR_TRANSIENT_AVAIL
    });

    it('answers TPM_RC_HANDLE for parameter 2 for a range without handles (swtpm: 0x2cb)', async () => {
      const { client } = await started();
      for (const start of [0x04000000, 0x41000000, 0x90000000, 0xff000000]) expect(await rcOf(getCap(client, TPM_CAP.HANDLES, start, 1))).to.equal(0x2cb);
    });
  });

  describe('COMMANDS', () => {
    it('reports each implemented command’s TPMA_CC exactly as swtpm does', async () => {
      const { client } = await started();
      const { more, data } = await getCap(client, TPM_CAP.COMMANDS, 0, 1000);
      expect(more).to.equal(false);
      const swtpm = new Map(SWTPM_TPMA_CC.map((v) => [v & 0xffff, v]));
      for (const v of data as number[]) expect(v, `command 0x${(v & 0xffff).toString(16)}`).to.equal(swtpm.get(v & 0xffff));
      expect(data).to.include.members([0x0000017a, 0x05400185, 0x10000186, 0x14000176, 0x0300013e, 0x02400128]);
      const total = await getCap(client, TPM_CAP.TPM_PROPERTIES, TPM_PT.TOTAL_COMMANDS, 3);
      expect(total.data.map((p) => p.value)).to.deep.equal([data.length, data.length, 0]);
    });

    it('pages from a command code; codes above 16 bits (the vendor bit included) find nothing (swtpm)', async () => {
      const { client } = await started();
      const first = await getCap(client, TPM_CAP.COMMANDS, 0, 1);
      expect(first.more).to.equal(true);
      expect(first.data).to.have.length(1);
      expect(await getCap(client, TPM_CAP.COMMANDS, 0x17a, 3)).to.deep.equal({ more: true, data: [0x17a, 0x17b, 0x17c] });
      const all = (await getCap(client, TPM_CAP.COMMANDS, 0, 1000)).data as number[];
      const last = all[all.length - 1]! & 0xffff;
      expect(await getCap(client, TPM_CAP.COMMANDS, last, 3)).to.deep.equal({ more: false, data: [all[all.length - 1]] });
      expect(await getCap(client, TPM_CAP.COMMANDS, last + 1, 3)).to.deep.equal({ more: false, data: [] });
      expect(await getCap(client, TPM_CAP.COMMANDS, 0x20000000, 3)).to.deep.equal({ more: false, data: [] });
      expect(await getCap(client, TPM_CAP.COMMANDS, 0x1017a, 3)).to.deep.equal({ more: false, data: [] });
    });

    it('has no PP commands while PP_Commands is not implemented; SetCommandCodeAuditStatus is audited (swtpm)', async () => {
      const { client } = await started();
      expect(await getCap(client, TPM_CAP.PP_COMMANDS, 0, 100)).to.deep.equal({ more: false, data: [] });
      expect(await getCap(client, TPM_CAP.AUDIT_COMMANDS, 0, 100)).to.deep.equal({ more: false, data: [0x140] });
    });
  });

  describe('PCRS', () => {
    it('reports every bank with all 24 PCRs regardless of count, nothing for count 0 (swtpm)', async () => {
      const { client } = await started();
      const banks = [TPM_ALG.SHA1, TPM_ALG.SHA256, TPM_ALG.SHA384, TPM_ALG.SHA512].map((hash) => ({ hash, pcrSelect: Buffer.from('ffffff', 'hex') }));
      expect(await getCap(client, TPM_CAP.PCRS, 0, 1)).to.deep.equal({ more: false, data: banks });
      expect(await getCap(client, TPM_CAP.PCRS, 0, 0)).to.deep.equal({ more: true, data: [] });
      expect(await rcOf(getCap(client, TPM_CAP.PCRS, 1, 100))).to.equal(0x2c4);
    });
  });

  describe('TPM_PROPERTIES', () => {
    it('reports swtpm’s fixed properties, with vtpm’s vendor strings', async () => {
      const { client } = await started();
      const { more, data } = await getCap(client, TPM_CAP.TPM_PROPERTIES, 0, 1000);
      expect(more).to.equal(false); // the fixed group ends the page
      const v = new Map(data.map((p) => [p.property, p.value]));
      expect(data).to.have.length(46);
      expect(v.get(TPM_PT.FAMILY_INDICATOR)).to.equal(0x322e3000);
      expect(v.get(TPM_PT.REVISION)).to.equal(164);
      expect(v.get(TPM_PT.MANUFACTURER)).to.equal(0x49424d00);
      expect(v.get(TPM_PT.VENDOR_STRING_1)).to.equal(0x7654504d); // "vTPM"
      expect(v.get(TPM_PT.VENDOR_STRING_2)).to.equal(0x54530000); // "TS"
      expect(v.get(TPM_PT.INPUT_BUFFER)).to.equal(1024);
      expect(v.get(TPM_PT.MAX_OBJECT_CONTEXT)).to.equal(0xa84);
      expect(v.get(TPM_PT.MAX_CAP_BUFFER)).to.equal(1024);
      expect(v.has(0x115)).to.equal(false);
    });

    it('pages within one group: below 0x100 starts there, 0x1ff and 0x300 find nothing (swtpm)', async () => {
      const { client } = await started();
      expect(await getCap(client, TPM_CAP.TPM_PROPERTIES, 0, 1)).to.deep.equal({ more: true, data: [{ property: 0x100, value: 0x322e3000 }] });
      expect(await getCap(client, TPM_CAP.TPM_PROPERTIES, TPM_PT.MODES, 100)).to.deep.equal({
        more: false,
        data: [
          { property: TPM_PT.MODES, value: 0 },
          { property: TPM_PT.MAX_CAP_BUFFER, value: 1024 },
        ],
      });
      expect(await getCap(client, TPM_CAP.TPM_PROPERTIES, 0x1ff, 3)).to.deep.equal({ more: false, data: [] });
      expect(await getCap(client, TPM_CAP.TPM_PROPERTIES, 0x300, 3)).to.deep.equal({ more: false, data: [] });
      expect(await getCap(client, TPM_CAP.TPM_PROPERTIES, 0x200, 0)).to.deep.equal({ more: true, data: [] });
      expect(await getCap(client, TPM_CAP.TPM_PROPERTIES, TPM_PT.AUDIT_COUNTER_1, 1)).to.deep.equal({ more: false, data: [{ property: 0x214, value: 0 }] });
    });

    it('reports the variable properties of a fresh TPM as swtpm does, except LOADED_CURVES', async () => {
      const { client } = await started();
      const { more, data } = await getCap(client, TPM_CAP.TPM_PROPERTIES, TPM_PT.VAR, 100);
      expect(more).to.equal(false);
      expect(data.map((p) => p.value.toString(16)).join(' ')).to.equal('400 8000000f 0 0 3 0 40 3 0 41 0 19 0 3 0 3 3e8 3e8 0 0 0');
    });

    it('clears STARTUP_CLEAR.orderly after a Startup that no Shutdown preceded (swtpm: 0x8000000f, then 0xf)', async () => {
      const { tpm, client } = await started();
      const startupClear = async () => (await getCap(client, TPM_CAP.TPM_PROPERTIES, TPM_PT.STARTUP_CLEAR, 1)).data[0].value;
      expect(await startupClear()).to.equal(0x8000000f);
      tpm.init();
      await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
      expect(await startupClear()).to.equal(0xf);
      tpm.hierarchies.enabled.set(TPM_RH.OWNER, false);
      expect(await startupClear()).to.equal(0xd); // shEnable clear
    });
  });

  describe('PCR_PROPERTIES', () => {
    // swtpm's answer to GetCapability(PCR_PROPERTIES, 0, 100), byte for byte.
    const SWTPM_PCR_PROPERTIES =
      '80010000008b0000000000000000070000000f0000000003ffff000000000103ffff8100000002030000810000000303ffff9100000004030000810000000503ffffff' +
      '00000006030000f10000000703ffff9f00000008030000810000000903ffff870000000a0300007e00000011030000e1000000120300007e00000013030000700000001403000070';

    it('derives every property from the PCR attribute table as swtpm reports it', async () => {
      const { tpm } = await started();
      expect(tpm.execute(rawGetCap(TPM_CAP.PCR_PROPERTIES, 0, 100)).toString('hex')).to.equal(SWTPM_PCR_PROPERTIES);
    });

    it('reports moreData whenever the page is full and property numbers remain (swtpm)', async () => {
      const { client } = await started();
      expect((await getCap(client, TPM_CAP.PCR_PROPERTIES, 0, 2)).more).to.equal(true);
      expect((await getCap(client, TPM_CAP.PCR_PROPERTIES, 0, 0)).more).to.equal(true);
      const last = await getCap(client, TPM_CAP.PCR_PROPERTIES, 0x14, 1);
      expect([last.more, last.data[0].tag]).to.deep.equal([false, 0x14]);
      const gap = await getCap(client, TPM_CAP.PCR_PROPERTIES, 0x0b, 1); // 0x0b..0x10 undefined
      expect([gap.more, gap.data[0].tag]).to.deep.equal([true, 0x11]);
      expect(await getCap(client, TPM_CAP.PCR_PROPERTIES, 0x15, 1)).to.deep.equal({ more: false, data: [] });
    });
  });

  describe('ECC_CURVES, AUTH_POLICIES, unsupported', () => {
    it('lists the curves TPMI_ECC_CURVE accepts, from the property’s low 16 bits', async () => {
      const { client } = await started();
      expect(await getCap(client, TPM_CAP.ECC_CURVES, 0, 100)).to.deep.equal({ more: false, data: [3, 4, 5] });
      expect(await getCap(client, TPM_CAP.ECC_CURVES, 0x10004, 1)).to.deep.equal({ more: true, data: [4] });
    });

    it('lists the hierarchies’ (empty) policies byte for byte as swtpm', async () => {
      const { tpm } = await started();
      expect(tpm.execute(rawGetCap(TPM_CAP.AUTH_POLICIES, 0x40000000, 100)).toString('hex')).to.equal(
        '80010000002b000000000000000009000000044000000100104000000a00104000000b00104000000c0010',
      );
      expect(tpm.execute(rawGetCap(TPM_CAP.AUTH_POLICIES, 0x40000002, 2)).toString('hex')).to.equal(
        '80010000001f000000000100000009000000024000000a00104000000b0010',
      );
      expect(tpm.execute(rawGetCap(TPM_CAP.AUTH_POLICIES, 0, 1)).readUInt32BE(6)).to.equal(0x2c4);
    });

    it('reports a hierarchy’s policy once one is set', async () => {
      const { tpm, client } = await started();
      tpm.hierarchies.policy.set(TPM_RH.ENDORSEMENT, { hashAlg: TPM_ALG.SHA256, digest: Buffer.alloc(32, 0xab) });
      const { data } = await getCap(client, TPM_CAP.AUTH_POLICIES, TPM_RH.ENDORSEMENT, 1);
      expect(data).to.deep.equal([{ handle: TPM_RH.ENDORSEMENT, policyHash: { hashAlg: TPM_ALG.SHA256, digest: Buffer.alloc(32, 0xab) } }]);
    });

    it('answers TPM_RC_VALUE + parameter 1 for TPM_CAP_VENDOR_PROPERTY and + parameter 2 for ACT (no ACTs)', async () => {
      const { tpm, client } = await started();
      expect(await rcOf(getCap(client, TPM_CAP.VENDOR_PROPERTY, 0, 1))).to.equal(0x1c4);
      expect(tpm.execute(rawGetCap(0x0b, 0, 1)).readUInt32BE(6)).to.equal(0x1c4); // not a TPM_CAP at all
      expect(await rcOf(getCap(client, TPM_CAP.ACT, 0x40000110, 1))).to.equal(0x2c4);
    });
  });
});
