import { expect } from 'chai';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import {
  FlushContext, LoadExternal, NV_DefineSpace, NV_Write, ObjectChangeAuth, PCR_Extend, PolicyAuthValue, PolicyAuthorize, PolicyCommandCode,
  PolicyCounterTimer, PolicyCpHash, PolicyDuplicationSelect, PolicyGetDigest, PolicyLocality, PolicyNV, PolicyNameHash, PolicyNvWritten, PolicyOR,
  PolicyPCR, PolicyPassword, PolicyRestart, PolicySecret, PolicySigned, PolicyTemplate, PolicyTicket, ReadPublic, SetPrimaryPolicy, ClockSet, StartAuthSession, TPM_ALG, TPM_CC,
  TPM_ECC_CURVE, TPM_EO, TPM_RH, TPM_SE, TPMA_NV, TPMA_OBJECT, TpmClient, Unseal, VerifySignature, cpHash, startSession, type ClientHmacSession,
} from '../src/index.js';
import { loadSealed, startedTpm } from './sessionTestKit.js';
import { createPrimary, eccStorageTemplate, sealTemplate } from './kit/keys.js';
import { mustFail } from './kit/responseCodes.js';

const sha = (alg: string, ...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash(alg)).digest();
const sha256 = (s: string) => sha('sha256', Buffer.from(s));
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
};
const NO_SYM = { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 };
const SEL_0_16 = [{ hash: TPM_ALG.SHA256, pcrSelect: Buffer.from([0x01, 0x00, 0x01]) }];
const SEL_16 = [{ hash: TPM_ALG.SHA256, pcrSelect: Buffer.from([0x00, 0x00, 0x01]) }];

async function digestOf(client: TpmClient, s: ClientHmacSession): Promise<string> {
  return (await client.run(PolicyGetDigest, { handles: { policySession: s.handle }, params: {} })).policyDigest.toString('hex');
}

/**
 * Trial-session digests recorded from swtpm 0.7.1 with tpm2-tools 5.4 (`tpm2_startauthsession`,
 * `tpm2_policy* -L`, inputs as noted), then reproduced here by sending the same commands.
 */
describe('policy digests equal swtpm + tpm2-tools trial sessions', () => {
  type Step = (client: TpmClient, h: number) => Promise<unknown>;
  const cases: [string, string, Step, number?][] = [
    // tpm2_policypcr -l sha256:0,16 -f pcrs.bin (pcrs.bin = 32 x 0xaa || 32 x 0xbb)
    ['ea3ab0361c6e51904e1596d7ac6f32a438de50a04ddff1ea84a07fe0cc9bc7cd', 'PolicyPCR with given values', (c, h) =>
      c.run(PolicyPCR, { handles: { policySession: h }, params: { pcrDigest: sha('sha256', Buffer.alloc(32, 0xaa), Buffer.alloc(32, 0xbb)), pcrs: SEL_0_16 } })],
    // tpm2_policypcr -l sha256:16 after Startup (PCR 16 all zeros); here the TPM reads them
    ['bff2d58e9813f97cefc14f72ad8133bc7092d652b7c877959254af140c841f36', 'PolicyPCR of the current PCR 16', (c, h) =>
      c.run(PolicyPCR, { handles: { policySession: h }, params: { pcrDigest: Buffer.alloc(0), pcrs: SEL_16 } })],
    // tpm2_policyauthvalue; tpm2_policypassword gives the same digest
    ['8fcd2169ab92694e0c633f1ab772842b8241bbc20288981fc7ac1eddc1fddb0e', 'PolicyAuthValue', (c, h) => c.run(PolicyAuthValue, { handles: { policySession: h }, params: {} })],
    ['8fcd2169ab92694e0c633f1ab772842b8241bbc20288981fc7ac1eddc1fddb0e', 'PolicyPassword', (c, h) => c.run(PolicyPassword, { handles: { policySession: h }, params: {} })],
    // tpm2_policycommandcode TPM2_CC_Unseal
    ['e613137076524bde487533865884e9732ebee3aacb095d94a6de492ec06c46fa', 'PolicyCommandCode(Unseal)', (c, h) => c.run(PolicyCommandCode, { handles: { policySession: h }, params: { code: TPM_CC.Unseal } })],
    // tpm2_policylocality three / 200
    ['7764491d5afe719035c0c09faa90c3490a7475d6df422b804e8f68aa65f8934f', 'PolicyLocality(three)', (c, h) => c.run(PolicyLocality, { handles: { policySession: h }, params: { locality: 0x08 } })],
    ['9f5535bc0a8304fcc981c36722b2018ac373992c63cffcaed65360b0d3f8a480', 'PolicyLocality(200)', (c, h) => c.run(PolicyLocality, { handles: { policySession: h }, params: { locality: 200 } })],
    // tpm2_policycphash --cphash-input (SHA-256("cphash")), tpm2_policynamehash -n (SHA-256("namehash"))
    ['581b84cd842b56994262c3d5a37678840522081e9648ec4cbab654ac0b627be7', 'PolicyCpHash', (c, h) => c.run(PolicyCpHash, { handles: { policySession: h }, params: { cpHashA: sha256('cphash') } })],
    ['e917c63bb3321f27ffbefd5e09ddbd55b685b676c1ce110af9281a98016e26a3', 'PolicyNameHash', (c, h) => c.run(PolicyNameHash, { handles: { policySession: h }, params: { nameHash: sha256('namehash') } })],
    // tpm2_policynvwritten s
    ['f7887d158ae8d38be0ac5319f37a9e07618bf54885453c7a54ddb0c6a6193beb', 'PolicyNvWritten(YES)', (c, h) => c.run(PolicyNvWritten, { handles: { policySession: h }, params: { writtenSet: true } })],
    // tpm2_policycountertimer --ult clock=60000 (offset 8 in TPMS_TIME_INFO)
    ['47a3a4e8c7567b07e33aad03b2adca52b02c2f96cd0ea41073d67f3e3f80eaf8', 'PolicyCounterTimer(clock < 60000)', (c, h) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(60000n);
      return c.run(PolicyCounterTimer, { handles: { policySession: h }, params: { operandB: b, offset: 8, operation: TPM_EO.UNSIGNED_LT } });
    }],
    // tpm2_policytemplate --template-hash (SHA-256("template"))
    ['0bbfa64b5436f4d885fa60a8754f25bf70f6d3b9bac4816baf5eca7d28a7049e', 'PolicyTemplate', (c, h) => c.run(PolicyTemplate, { handles: { policySession: h }, params: { templateHash: sha256('template') } })],
    // tpm2_policysecret -c o; tpm2_policysecret -c e -q ref.bin ("policy ref")
    ['0d84f55daf6e43ac97966e62c9bb989d3397777d25c5f749868055d65394f952', 'PolicySecret(owner)', (c, h) =>
      c.run(PolicySecret, { handles: { authHandle: TPM_RH.OWNER, policySession: h }, auth: [{ password: '' }], params: { nonceTPM: Buffer.alloc(0), cpHashA: Buffer.alloc(0), policyRef: Buffer.alloc(0), expiration: 0 } })],
    ['34aef36085938a86aaaeba55db649c20dbfa6a6d3552cf9aab56c235a9dfee06', 'PolicySecret(endorsement, policyRef)', (c, h) =>
      c.run(PolicySecret, { handles: { authHandle: TPM_RH.ENDORSEMENT, policySession: h }, auth: [{ password: '' }], params: { nonceTPM: Buffer.alloc(0), cpHashA: Buffer.alloc(0), policyRef: Buffer.from('policy ref'), expiration: 0 } })],
    // tpm2_policyauthorize -i <pcr policy above> -q ref.bin -n key.name (000b || SHA-256("signing key"))
    ['0fdef1fbe0d47c5b6026f674d7b9f486500c33ca9702d2d045d1a9b087f84e3d', 'PolicyAuthorize', (c, h) =>
      c.run(PolicyAuthorize, {
        handles: { policySession: h },
        params: {
          approvedPolicy: Buffer.from('ea3ab0361c6e51904e1596d7ac6f32a438de50a04ddff1ea84a07fe0cc9bc7cd', 'hex'),
          policyRef: Buffer.from('policy ref'),
          keySign: Buffer.concat([Buffer.from('000b', 'hex'), sha256('signing key')]),
          checkTicket: { tag: 0x8022, hierarchy: TPM_RH.NULL, digest: Buffer.alloc(0) },
        },
      })],
    // tpm2_policyor -l sha256:<pcr policy>,<authvalue policy>,<commandcode policy>
    ['8656cd7a3320de2277225b5640cb72e6923a65cc6057c5056e6dd38b39c92bd5', 'PolicyOR of three', (c, h) =>
      c.run(PolicyOR, {
        handles: { policySession: h },
        params: { pHashList: ['ea3ab0361c6e51904e1596d7ac6f32a438de50a04ddff1ea84a07fe0cc9bc7cd', '8fcd2169ab92694e0c633f1ab772842b8241bbc20288981fc7ac1eddc1fddb0e', 'e613137076524bde487533865884e9732ebee3aacb095d94a6de492ec06c46fa'].map((x) => Buffer.from(x, 'hex')) },
      })],
    // tpm2_startauthsession --hash-algorithm sha1; tpm2_policypcr -l sha256:0,16 -f pcrs.bin
    ['09bce235af11a7b807e211a71ad332da9ff43724', 'PolicyPCR in a SHA-1 session', (c, h) =>
      c.run(PolicyPCR, { handles: { policySession: h }, params: { pcrDigest: sha('sha1', Buffer.alloc(32, 0xaa), Buffer.alloc(32, 0xbb)), pcrs: SEL_0_16 } }), TPM_ALG.SHA1],
    // tpm2_startauthsession --hash-algorithm sha384; tpm2_policycommandcode TPM2_CC_Unseal
    ['2ecf2999333c2abf21d7bce168c69b4ea70812de16d37a434c0490fc4f54d78ced00e48b559e721691e9f1d591d981a8', 'PolicyCommandCode in a SHA-384 session', (c, h) =>
      c.run(PolicyCommandCode, { handles: { policySession: h }, params: { code: TPM_CC.Unseal } }), TPM_ALG.SHA384],
  ];
  for (const [expected, name, step, authHash] of cases) {
    it(name, async () => {
      const { client } = await startedTpm();
      const s = await startSession(client, { type: TPM_SE.TRIAL, authHash: authHash ?? TPM_ALG.SHA256 });
      await step(client, s.handle);
      expect(await digestOf(client, s)).to.equal(expected);
    });
  }

  it('PolicyDuplicationSelect: H(old || CC || [objectName] || newParentName || includeObject) (Part 3, 23.15)', async () => {
    const { client } = await startedTpm();
    const obj = Buffer.concat([Buffer.from('000b', 'hex'), sha256('object')]);
    const parent = Buffer.concat([Buffer.from('000b', 'hex'), sha256('parent')]);
    for (const includeObject of [true, false]) {
      const s = await startSession(client, { type: TPM_SE.TRIAL });
      await client.run(PolicyDuplicationSelect, { handles: { policySession: s.handle }, params: { objectName: obj, newParentName: parent, includeObject } });
      const parts = [Buffer.alloc(32), u32(TPM_CC.PolicyDuplicationSelect), ...(includeObject ? [obj] : []), parent, Buffer.from([includeObject ? 1 : 0])];
      expect(await digestOf(client, s)).to.equal(sha('sha256', ...parts).toString('hex'));
      await client.run(FlushContext, { params: { flushHandle: s.handle } });
    }
  });
});

describe('policy sessions authorizing objects', () => {
  async function sealedUnder(client: TpmClient, authPolicy: Buffer, opts: { userWithAuth?: boolean; adminWithPolicy?: boolean; userAuth?: string } = {}) {
    const parent = await createPrimary(client, TPM_RH.OWNER, { template: eccStorageTemplate() });
    const sealed = await loadSealed(client, parent.handle, Buffer.from('policy sealed'), { template: sealTemplate({ authPolicy, userWithAuth: opts.userWithAuth ?? false, adminWithPolicy: opts.adminWithPolicy }), userAuth: opts.userAuth });
    return { parent, sealed };
  }
  const trialDigest = async (client: TpmClient, steps: (h: number) => Promise<unknown>) => {
    const t = await startSession(client, { type: TPM_SE.TRIAL });
    await steps(t.handle);
    const d = Buffer.from(await digestOf(client, t), 'hex');
    await client.run(FlushContext, { params: { flushHandle: t.handle } });
    return d;
  };
  const pcrPolicy = (client: TpmClient) => (h: number) => client.run(PolicyPCR, { handles: { policySession: h }, params: { pcrDigest: Buffer.alloc(0), pcrs: SEL_16 } });

  it('PolicyPCR: unseals while PCR 16 holds, POLICY_FAIL (0x99d) after an extend, PCR_CHANGED within a session', async () => {
    const { client } = await startedTpm();
    const policy = await trialDigest(client, pcrPolicy(client));
    const { sealed } = await sealedUnder(client, policy);
    const unseal = (s: ClientHmacSession) => client.run(Unseal, { handles: { itemHandle: sealed.handle }, names: [sealed.name], auth: [{ session: s }], params: {} });

    const s = await startSession(client, { type: TPM_SE.POLICY });
    await pcrPolicy(client)(s.handle);
    expect((await unseal(s)).outData.toString()).to.equal('policy sealed');
    // a used session starts over: its digest is zeros again
    expect(await digestOf(client, s)).to.equal('00'.repeat(32));
    // PCR 16 (debug) does not bump the PCR update counter: the session's digest still matches
    await pcrPolicy(client)(s.handle);
    const extend = (pcr: number) => client.run(PCR_Extend, { handles: { pcrHandle: pcr }, auth: [{ password: '' }], params: { digests: [{ hashAlg: TPM_ALG.SHA256, digest: Buffer.alloc(32, 1) }] } });
    await extend(16);
    expect((await unseal(s)).outData.toString()).to.equal('policy sealed');
    // a new PolicyPCR sees the new value: POLICY_FAIL + session 1, as tpm2_unseal gets after a change
    await pcrPolicy(client)(s.handle);
    expect(await mustFail(unseal(s))).to.equal(0x99d);
    // any other PCR changing after PolicyPCR: TPM_RC_PCR_CHANGED
    await client.run(PolicyRestart, { handles: { sessionHandle: s.handle }, params: {} });
    await client.run(PolicyPCR, { handles: { policySession: s.handle }, params: { pcrDigest: Buffer.alloc(0), pcrs: SEL_16 } });
    await extend(0);
    expect(await mustFail(unseal(s))).to.equal(0x128);
  });

  it('PolicyAuthValue puts the authValue in the HMAC key; PolicyPassword sends it in the clear', async () => {
    const { client } = await startedTpm();
    const policy = await trialDigest(client, (h) => client.run(PolicyAuthValue, { handles: { policySession: h }, params: {} }));
    const { sealed } = await sealedUnder(client, policy, { userAuth: 'objpw' });
    const unseal = (s: ClientHmacSession, authValue: string) =>
      client.run(Unseal, { handles: { itemHandle: sealed.handle }, names: [sealed.name], auth: [{ session: s, authValue }], params: {} });
    const s = await startSession(client, { type: TPM_SE.POLICY });
    await client.run(PolicyAuthValue, { handles: { policySession: s.handle }, params: {} });
    s.policyAuth = 'authValue';
    expect((await unseal(s, 'objpw')).outData.toString()).to.equal('policy sealed');
    await client.run(PolicyPassword, { handles: { policySession: s.handle }, params: {} });
    s.policyAuth = 'password';
    expect((await unseal(s, 'objpw')).outData.toString()).to.equal('policy sealed');
    await client.run(PolicyPassword, { handles: { policySession: s.handle }, params: {} });
    s.policyAuth = 'password';
    expect(await mustFail(unseal(s, 'wrong'))).to.equal(0x9a2); // BAD_AUTH + session 1 (noDA)
  });

  it('userWithAuth clear: an HMAC session or password is TPM_RC_AUTH_UNAVAILABLE', async () => {
    const { client } = await startedTpm();
    const { sealed } = await sealedUnder(client, sha256('some policy'));
    expect(await mustFail(client.run(Unseal, { handles: { itemHandle: sealed.handle }, auth: [{ password: '' }], params: {} }))).to.equal(0x12f); // format zero: no session number
  });

  it('PolicyCommandCode: another command is TPM_RC_POLICY_CC; the ADMIN role needs it with adminWithPolicy', async () => {
    const { client } = await startedTpm();
    const ccUnseal = await trialDigest(client, (h) => client.run(PolicyCommandCode, { handles: { policySession: h }, params: { code: TPM_CC.Unseal } }));
    const { parent, sealed } = await sealedUnder(client, ccUnseal, { adminWithPolicy: true });
    const s = await startSession(client, { type: TPM_SE.POLICY });
    await client.run(PolicyCommandCode, { handles: { policySession: s.handle }, params: { code: TPM_CC.Unseal } });
    const change = (auth: { password: string } | { session: ClientHmacSession }) =>
      client.run(ObjectChangeAuth, { handles: { objectHandle: sealed.handle, parentHandle: parent.handle }, names: [sealed.name, parent.name], auth: [auth], params: { newAuth: Buffer.from('new') } });
    expect(await mustFail(change({ session: s }))).to.equal(0x9a4); // POLICY_CC + session 1
    expect(await mustFail(change({ password: '' }))).to.equal(0x124); // AUTH_TYPE: ADMIN with adminWithPolicy needs a policy
    const u = await client.run(Unseal, { handles: { itemHandle: sealed.handle }, names: [sealed.name], auth: [{ session: s }], params: {} });
    expect(u.outData.toString()).to.equal('policy sealed');
    // an ADMIN authorization without PolicyCommandCode fails even with the right digest
    await client.run(FlushContext, { params: { flushHandle: sealed.handle } });
    await client.run(FlushContext, { params: { flushHandle: parent.handle } });
    const empty = await sealedUnder(client, Buffer.alloc(32), { adminWithPolicy: true });
    const s2 = await startSession(client, { type: TPM_SE.POLICY });
    expect(
      await mustFail(client.run(ObjectChangeAuth, { handles: { objectHandle: empty.sealed.handle, parentHandle: empty.parent.handle }, names: [empty.sealed.name, empty.parent.name], auth: [{ session: s2 }], params: { newAuth: Buffer.alloc(0) } })),
    ).to.equal(0x99d);
  });

  it('PolicyOR: a matching branch is accepted, none is TPM_RC_VALUE + parameter 1', async () => {
    const { client } = await startedTpm();
    const a = await trialDigest(client, pcrPolicy(client));
    const b = await trialDigest(client, (h) => client.run(PolicyCommandCode, { handles: { policySession: h }, params: { code: TPM_CC.Unseal } }));
    const s = await startSession(client, { type: TPM_SE.POLICY });
    await client.run(PolicyCommandCode, { handles: { policySession: s.handle }, params: { code: TPM_CC.Unseal } });
    await client.run(PolicyOR, { handles: { policySession: s.handle }, params: { pHashList: [a, b] } });
    expect(await digestOf(client, s)).to.equal(sha('sha256', Buffer.alloc(32), u32(TPM_CC.PolicyOR), a, b).toString('hex'));
    expect(await mustFail(client.run(PolicyOR, { handles: { policySession: s.handle }, params: { pHashList: [a, b] } }))).to.equal(0x1c4);
    expect(await mustFail(client.run(PolicyOR, { handles: { policySession: s.handle }, params: { pHashList: [a] } }))).to.equal(0x1d5); // SIZE + parameter 1
  });

  it('PolicySecret: needs the entity\'s authorization, gives a ticket that PolicyTicket accepts; expiration counts', async () => {
    const { client, clock } = await startedTpm();
    const policy = await trialDigest(client, (h) =>
      client.run(PolicySecret, { handles: { authHandle: TPM_RH.OWNER, policySession: h }, auth: [{ password: '' }], params: { nonceTPM: Buffer.alloc(0), cpHashA: Buffer.alloc(0), policyRef: Buffer.alloc(0), expiration: 0 } }),
    );
    const { sealed } = await sealedUnder(client, policy);
    const s = await startSession(client, { type: TPM_SE.POLICY });
    const r = await client.run(PolicySecret, {
      handles: { authHandle: TPM_RH.OWNER, policySession: s.handle },
      auth: [{ password: '' }],
      params: { nonceTPM: s.nonceTPM, cpHashA: Buffer.alloc(0), policyRef: Buffer.alloc(0), expiration: -10 },
    });
    expect(r.policyTicket.tag).to.equal(0x8023);
    expect(r.policyTicket.hierarchy).to.equal(TPM_RH.OWNER);
    expect(r.timeout.length).to.equal(8);
    expect(Buffer.from(await digestOf(client, s), 'hex')).to.deep.equal(policy);
    await client.run(PolicyRestart, { handles: { sessionHandle: s.handle }, params: {} });
    await client.run(PolicyTicket, {
      handles: { policySession: s.handle },
      params: { timeout: r.timeout, cpHashA: Buffer.alloc(0), policyRef: Buffer.alloc(0), authName: u32(TPM_RH.OWNER), ticket: r.policyTicket },
    });
    expect(Buffer.from(await digestOf(client, s), 'hex')).to.deep.equal(policy);
    const forged = { ...r.policyTicket, digest: Buffer.alloc(64) };
    await client.run(PolicyRestart, { handles: { sessionHandle: s.handle }, params: {} });
    expect(await mustFail(client.run(PolicyTicket, { handles: { policySession: s.handle }, params: { timeout: r.timeout, cpHashA: Buffer.alloc(0), policyRef: Buffer.alloc(0), authName: u32(TPM_RH.OWNER), ticket: forged } }))).to.equal(0x5e0); // TICKET + parameter 5
    // the session expires 10 s after its start
    await client.run(PolicyTicket, { handles: { policySession: s.handle }, params: { timeout: r.timeout, cpHashA: Buffer.alloc(0), policyRef: Buffer.alloc(0), authName: u32(TPM_RH.OWNER), ticket: r.policyTicket } });
    clock.ms += 20_000;
    expect(await mustFail(client.run(Unseal, { handles: { itemHandle: sealed.handle }, names: [sealed.name], auth: [{ session: s }], params: {} }))).to.equal(0x9a3); // EXPIRED + session 1
    // a wrong nonceTPM is TPM_RC_NONCE + parameter 1
    const s2 = await startSession(client, { type: TPM_SE.POLICY });
    expect(
      await mustFail(client.run(PolicySecret, { handles: { authHandle: TPM_RH.OWNER, policySession: s2.handle }, auth: [{ password: '' }], params: { nonceTPM: Buffer.alloc(32, 9), cpHashA: Buffer.alloc(0), policyRef: Buffer.alloc(0), expiration: 0 } })),
    ).to.equal(0x1cf); // NONCE + parameter 1
  });

  it('PolicyCpHash binds the session to one command\'s parameters (an owner policy authorizing one ClockSet)', async () => {
    const { client } = await startedTpm();
    const newTime = (t: bigint) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(t);
      return b;
    };
    const cp = cpHash(TPM_ALG.SHA256, TPM_CC.ClockSet, [u32(TPM_RH.OWNER)], newTime(5_000_000n));
    const policy = await trialDigest(client, (h) => client.run(PolicyCpHash, { handles: { policySession: h }, params: { cpHashA: cp } }));
    await client.run(SetPrimaryPolicy, { handles: { authHandle: TPM_RH.OWNER }, auth: [{ password: '' }], params: { authPolicy: policy, hashAlg: TPM_ALG.SHA256 } });
    const s = await startSession(client, { type: TPM_SE.POLICY });
    await client.run(PolicyCpHash, { handles: { policySession: s.handle }, params: { cpHashA: cp } });
    expect(await mustFail(client.run(ClockSet, { handles: { auth: TPM_RH.OWNER }, auth: [{ session: s }], params: { newTime: 6_000_000n } }))).to.equal(0x99d);
    await client.run(ClockSet, { handles: { auth: TPM_RH.OWNER }, auth: [{ session: s }], params: { newTime: 5_000_000n } });
    // a different cpHash once one is bound: TPM_RC_CPHASH
    await client.run(PolicyCpHash, { handles: { policySession: s.handle }, params: { cpHashA: cp } });
    expect(await mustFail(client.run(PolicyCpHash, { handles: { policySession: s.handle }, params: { cpHashA: Buffer.alloc(32) } }))).to.equal(0x151);
    expect(await mustFail(client.run(PolicyCpHash, { handles: { policySession: s.handle }, params: { cpHashA: Buffer.alloc(20) } }))).to.equal(0x1d5); // SIZE + parameter 1
  });

  it('PolicyLocality: the command\'s locality must be one allowed (TPM_RC_LOCALITY)', async () => {
    const { client } = await startedTpm();
    const policy = await trialDigest(client, (h) => client.run(PolicyLocality, { handles: { policySession: h }, params: { locality: 0x08 } }));
    const { sealed } = await sealedUnder(client, policy);
    const s = await startSession(client, { type: TPM_SE.POLICY });
    await client.run(PolicyLocality, { handles: { policySession: s.handle }, params: { locality: 0x08 } });
    expect(await mustFail(client.run(Unseal, { handles: { itemHandle: sealed.handle }, names: [sealed.name], auth: [{ session: s }], params: {} }))).to.equal(0x907);
    // a failed command leaves the session as it was: the digest would be extended twice
    await client.run(PolicyRestart, { handles: { sessionHandle: s.handle }, params: {} });
    await client.run(PolicyLocality, { handles: { policySession: s.handle }, params: { locality: 0x08 } });
    const u = await client.run(Unseal, { handles: { itemHandle: sealed.handle }, names: [sealed.name], auth: [{ session: s }], params: {}, locality: 3 });
    expect(u.outData.toString()).to.equal('policy sealed');
    expect(await mustFail(client.run(PolicyLocality, { handles: { policySession: s.handle }, params: { locality: 0 } }))).to.equal(0x1cd); // RANGE + parameter 1
  });

  it('PolicySigned and PolicyAuthorize with an external ECDSA key and a VerifySignature ticket', async () => {
    const { client } = await startedTpm();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const jwk = publicKey.export({ format: 'jwk' });
    const pub = {
      type: TPM_ALG.ECC,
      nameAlg: TPM_ALG.SHA256,
      objectAttributes: TPMA_OBJECT.sign | TPMA_OBJECT.userWithAuth,
      authPolicy: Buffer.alloc(0),
      parameters: { symmetric: NO_SYM, scheme: { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } }, curveID: TPM_ECC_CURVE.NIST_P256, kdf: { scheme: TPM_ALG.NULL, details: null } },
      unique: { x: Buffer.from(jwk.x!, 'base64url'), y: Buffer.from(jwk.y!, 'base64url') },
    };
    const key = await client.run(LoadExternal, { params: { inPrivate: null, inPublic: pub, hierarchy: TPM_RH.OWNER } });
    // ECDSA over the digest itself (node:crypto would hash it again): @noble/curves without prehash
    const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
    const ecdsa = (digest: Buffer) => {
      const rs = Buffer.from(p256.sign(digest, d, { prehash: false }));
      return { sigAlg: TPM_ALG.ECDSA, signature: { hash: TPM_ALG.SHA256, signatureR: rs.subarray(0, 32), signatureS: rs.subarray(32) } };
    };
    // PolicySigned: aHash = H(nonceTPM || expiration || cpHashA || policyRef)
    const s = await startSession(client, { type: TPM_SE.POLICY });
    const ref = Buffer.from('signed ref');
    const aHash = sha('sha256', s.nonceTPM, u32(0), ref);
    const signedParams = (sig: ReturnType<typeof ecdsa>) => ({ nonceTPM: s.nonceTPM, cpHashA: Buffer.alloc(0), policyRef: ref, expiration: 0, auth: sig });
    expect(await mustFail(client.run(PolicySigned, { handles: { authObject: key.handle, policySession: s.handle }, params: signedParams(ecdsa(sha256('other'))) }))).to.equal(0x5db); // SIGNATURE + parameter 5
    await client.run(PolicySigned, { handles: { authObject: key.handle, policySession: s.handle }, params: signedParams(ecdsa(aHash)) });
    const afterSigned = sha('sha256', sha('sha256', Buffer.alloc(32), u32(TPM_CC.PolicySigned), key.name), ref);
    expect(await digestOf(client, s)).to.equal(afterSigned.toString('hex'));

    // PolicyAuthorize: the key approves the current digest; VerifySignature vouches with a ticket
    const approved = afterSigned;
    const authRef = Buffer.from('authorize ref');
    const ticket = (await client.run(VerifySignature, { handles: { keyHandle: key.handle }, params: { digest: sha('sha256', approved, authRef), signature: ecdsa(sha('sha256', approved, authRef)) } })).validation;
    await client.run(PolicyAuthorize, { handles: { policySession: s.handle }, params: { approvedPolicy: approved, policyRef: authRef, keySign: key.name, checkTicket: ticket } });
    expect(await digestOf(client, s)).to.equal(sha('sha256', sha('sha256', Buffer.alloc(32), u32(TPM_CC.PolicyAuthorize), key.name), authRef).toString('hex'));
    // not the current digest: VALUE + parameter 1; a ticket for another policy: VALUE + parameter 4
    expect(await mustFail(client.run(PolicyAuthorize, { handles: { policySession: s.handle }, params: { approvedPolicy: approved, policyRef: authRef, keySign: key.name, checkTicket: ticket } }))).to.equal(0x1c4);
    await client.run(PolicyRestart, { handles: { sessionHandle: s.handle }, params: {} });
    expect(await mustFail(client.run(PolicyAuthorize, { handles: { policySession: s.handle }, params: { approvedPolicy: Buffer.alloc(32), policyRef: authRef, keySign: key.name, checkTicket: ticket } }))).to.equal(0x4c4);
  });

  it('PolicyNV compares NV data (TPM_RC_POLICY when it does not hold) and PolicyNvWritten checks WRITTEN', async () => {
    const { tpm, client } = await startedTpm();
    const index = 0x01500020;
    const attrs = TPMA_NV.OWNERWRITE | TPMA_NV.OWNERREAD | TPMA_NV.AUTHREAD | TPMA_NV.AUTHWRITE | TPMA_NV.NO_DA;
    await client.run(NV_DefineSpace, { handles: { authHandle: TPM_RH.OWNER }, auth: [{ password: '' }], params: { auth: Buffer.alloc(0), publicInfo: { nvIndex: index, nameAlg: TPM_ALG.SHA256, attributes: attrs, authPolicy: Buffer.alloc(0), dataSize: 8 } } });
    const nvName = () => tpm.nv.get(index)!.name();
    const policyNv = (h: number, operandB: Buffer, op: number) =>
      client.run(PolicyNV, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index, policySession: h }, names: [u32(TPM_RH.OWNER), nvName(), u32(h)], auth: [{ password: '' }], params: { operandB, offset: 0, operation: op } });
    const s = await startSession(client, { type: TPM_SE.POLICY });
    expect(await mustFail(policyNv(s.handle, Buffer.from([1, 2]), TPM_EO.EQ))).to.equal(0x14a); // NV_UNINITIALIZED
    await client.run(NV_Write, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index }, names: [u32(TPM_RH.OWNER), nvName()], auth: [{ password: '' }], params: { data: Buffer.from([1, 2, 3, 4]), offset: 0 } });
    await policyNv(s.handle, Buffer.from([1, 2]), TPM_EO.EQ);
    const args = sha('sha256', Buffer.from([1, 2]), Buffer.from([0, 0]), Buffer.from([0, TPM_EO.EQ])); // operandB without its size
    expect(await digestOf(client, s)).to.equal(sha('sha256', Buffer.alloc(32), u32(TPM_CC.PolicyNV), args, nvName()).toString('hex'));
    expect(await mustFail(policyNv(s.handle, Buffer.from([9]), TPM_EO.UNSIGNED_GE))).to.equal(0x126); // TPM_RC_POLICY
    await policyNv(s.handle, Buffer.from([0, 0xff]), TPM_EO.UNSIGNED_GT);
    expect(await mustFail(policyNv(s.handle, Buffer.alloc(9), TPM_EO.EQ))).to.equal(0x1d5); // SIZE + parameter 1
    void PolicyNvWritten;
  });

  it('a failed command leaves the policy session as it was (only a successful use starts it over)', async () => {
    const { client } = await startedTpm();
    const s = await startSession(client, { type: TPM_SE.POLICY });
    await client.run(PolicyAuthValue, { handles: { policySession: s.handle }, params: {} });
    const before = await digestOf(client, s);
    expect(await mustFail(client.run(ReadPublic, { handles: { objectHandle: 0x80000005 }, params: {} }))).to.equal(0x910);
    expect(await digestOf(client, s)).to.equal(before);
    void StartAuthSession;
  });
});
