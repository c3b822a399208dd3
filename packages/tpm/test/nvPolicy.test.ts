import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  NV_ChangeAuth, NV_Read, NV_UndefineSpaceSpecial, NV_Write, PolicyAuthValue, PolicyCommandCode, TPM_CC, TPM_RC, TPM_SE, TPMA_NV, startSession,
  type ClientHmacSession,
} from '../src/index.js';
import { OWNER_RW, PLATFORM, define, read, started, write, type NvFixture } from './nvTestKit.js';
import { mustFail } from './kit/responseCodes.js';
import { pw } from './kit/startedTpm.js';

// Policy authorization of NV indices (Part 1, 37.2; Part 3, 31.5 and 31.11). Codes as swtpm 0.7.1
// answers them; test/interop/nvDifferential.test.ts replays these against swtpm.

const A = TPMA_NV;
const I = 0x01700000;

/** policyDigest after PolicyCommandCode(code) from the empty policy, SHA-256. */
const commandCodePolicy = (code: number) => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(TPM_CC.PolicyCommandCode, 0);
  b.writeUInt32BE(code, 4);
  return createHash('sha256').update(Buffer.alloc(32)).update(b).digest();
};
/** policyDigest after PolicyAuthValue from the empty policy, SHA-256. */
const authValuePolicy = () => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(TPM_CC.PolicyAuthValue);
  return createHash('sha256').update(Buffer.alloc(32)).update(b).digest();
};

async function policySession(f: NvFixture, code?: number): Promise<ClientHmacSession> {
  const s = await startSession(f.client, { type: TPM_SE.POLICY });
  if (code !== undefined) await f.client.run(PolicyCommandCode, { handles: { policySession: s.handle }, params: { code } });
  return s;
}

describe('NV indices authorized by policy', () => {
  it('NV_ChangeAuth with a policy session that names the command; the new authValue then works', async () => {
    const f = await started();
    await define(f, I, OWNER_RW | A.AUTHREAD | A.AUTHWRITE, { auth: 'old', authPolicy: commandCodePolicy(TPM_CC.NV_ChangeAuth) });
    const s = await policySession(f, TPM_CC.NV_ChangeAuth);
    await f.client.run(NV_ChangeAuth, { handles: { nvIndex: I }, params: { newAuth: Buffer.from('new') }, auth: [{ session: s }] });
    await write(f, I, 'x', 0, I, 'new');
    expect(await mustFail(read(f, I, 1, 0, I, 'old'))).to.equal(0x9a2);
  });

  it('an ADMIN-role policy must name the command: a matching digest without it is TPM_RC_POLICY_FAIL', async () => {
    const f = await started();
    await define(f, I, OWNER_RW | A.AUTHREAD, { auth: 'old', authPolicy: authValuePolicy() });
    const s = await policySession(f);
    await f.client.run(PolicyAuthValue, { handles: { policySession: s.handle }, params: {} });
    s.policyAuth = 'authValue';
    const change = f.client.run(NV_ChangeAuth, { handles: { nvIndex: I }, params: { newAuth: Buffer.from('new') }, auth: [{ session: s, authValue: 'old' }] });
    expect(await mustFail(change)).to.equal(0x99d);
  });

  it('NV_UndefineSpaceSpecial: policy for the index, platformAuth for the platform', async () => {
    const f = await started();
    await define(f, I, OWNER_RW | A.POLICY_DELETE | A.PLATFORMCREATE, { by: PLATFORM, authPolicy: commandCodePolicy(TPM_CC.NV_UndefineSpaceSpecial) });
    const s = await policySession(f, TPM_CC.NV_UndefineSpaceSpecial);
    await f.client.run(NV_UndefineSpaceSpecial, { handles: { nvIndex: I, platform: PLATFORM }, params: {}, auth: [{ session: s }, pw()] });
    expect(f.tpm.nv.handles()).to.deep.equal([]);
  });

  it('NV_UndefineSpaceSpecial of an index without POLICY_DELETE is TPM_RC_ATTRIBUTES for handle 1', async () => {
    const f = await started();
    await define(f, I, OWNER_RW | A.PLATFORMCREATE, { by: PLATFORM, authPolicy: commandCodePolicy(TPM_CC.NV_UndefineSpaceSpecial) });
    const s = await policySession(f, TPM_CC.NV_UndefineSpaceSpecial);
    expect(await mustFail(f.client.run(NV_UndefineSpaceSpecial, { handles: { nvIndex: I, platform: PLATFORM }, params: {}, auth: [{ session: s }, pw()] }))).to.equal(0x182);
  });

  it('POLICYWRITE lets a policy write; without POLICYREAD a policy cannot read (TPM_RC_AUTH_UNAVAILABLE)', async () => {
    const f = await started();
    await define(f, I, OWNER_RW | A.POLICYWRITE, { authPolicy: commandCodePolicy(TPM_CC.NV_Write) });
    const w = await policySession(f, TPM_CC.NV_Write);
    await f.client.run(NV_Write, { handles: { authHandle: I, nvIndex: I }, params: { data: Buffer.from('policy!!'), offset: 0 }, auth: [{ session: w }] });
    expect((await read(f, I, 8)).toString()).to.equal('policy!!');
    const r = await policySession(f, TPM_CC.NV_Read);
    const byPolicy = f.client.run(NV_Read, { handles: { authHandle: I, nvIndex: I }, params: { size: 1, offset: 0 }, auth: [{ session: r }] });
    expect(await mustFail(byPolicy)).to.equal(TPM_RC.AUTH_UNAVAILABLE);
  });
});
