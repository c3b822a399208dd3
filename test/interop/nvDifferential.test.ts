import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  FlushContext, NV_ChangeAuth, NV_DefineSpace, NV_Extend, NV_GlobalWriteLock, NV_Increment, NV_Read, NV_ReadLock, NV_ReadPublic,
  NV_SetBits, NV_UndefineSpace, NV_UndefineSpaceSpecial, NV_Write, NV_WriteLock, PolicyAuthValue, PolicyCommandCode, Shutdown, Startup,
  TpmClient, TpmResponseError, TPM_ALG, TPM_CC, TPM_RH, TPM_SE, TPM_SU, TPMA_NV, TPMA_NV_TPM_NT_SHIFT, TPM_NT, startSession,
  type ClientHmacSession, type CommandSpec, type RunArgs,
} from '@vtpm/tpm';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { SideBySide } from '../lib/sideBySide.js';

/**
 * The same NV command sequences sent to swtpm 0.7.1 and to vtpm: every response code and every
 * response parameter must be equal. Indices are NO_DA, because swtpm answers the first
 * DA-protected authorization after Startup with TPM_RC_RETRY (its "DA used" NV write).
 */

type Outcome = { rc: number; response: string };

async function outcome<S extends CommandSpec>(client: TpmClient, spec: S, args: RunArgs<S>): Promise<Outcome> {
  try {
    const r = await client.run(spec, args);
    return { rc: 0, response: JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v?.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v)) };
  } catch (e) {
    if (e instanceof TpmResponseError) return { rc: e.rc, response: '' };
    throw e;
  }
}

const A = TPMA_NV;
const OWNER: number = TPM_RH.OWNER;
const PLATFORM: number = TPM_RH.PLATFORM;
const nt = (type: number) => type << TPMA_NV_TPM_NT_SHIFT;
const RW = A.OWNERREAD | A.OWNERWRITE | A.NO_DA;
const pw = (password = '') => ({ password });
/** policyDigest after one assertion from the empty policy (SHA-256): PolicyCommandCode(code) or PolicyAuthValue. */
function policyDigest(commandCode: number, code?: number): Buffer {
  const b = Buffer.alloc(code === undefined ? 4 : 8);
  b.writeUInt32BE(commandCode, 0);
  if (code !== undefined) b.writeUInt32BE(code, 4);
  return createHash('sha256').update(Buffer.alloc(32)).update(b).digest();
}

describe('NV commands: the same sequences to swtpm and to vtpm give the same answers', function () {
  this.timeout(60000);
  let sides: SideBySide;
  let theirs: TpmClient;
  let ours: TpmClient;

  /** One command to both; the outcomes must be equal. */
  async function step<S extends CommandSpec>(label: string, spec: S, args: RunArgs<S>): Promise<Outcome> {
    return stepEach(label, spec, () => args);
  }
  /** The same, with arguments that differ by side (each TPM has its own sessions). */
  async function stepEach<S extends CommandSpec>(label: string, spec: S, args: (client: TpmClient) => RunArgs<S>): Promise<Outcome> {
    const [a, b] = [await outcome(theirs, spec, args(theirs)), await outcome(ours, spec, args(ours))];
    expect(`0x${b.rc.toString(16)} ${b.response}`, label).to.equal(`0x${a.rc.toString(16)} ${a.response}`);
    return a;
  }
  /** A policy session on each side, after PolicyCommandCode(code) when given. */
  let openSessions: [TpmClient, number][] = [];
  async function policySessions(code?: number): Promise<Map<TpmClient, ClientHmacSession>> {
    // three session slots: flush the sessions of earlier steps (gone already when their command succeeded)
    for (const [client, handle] of openSessions) await client.run(FlushContext, { params: { flushHandle: handle } }).catch(() => undefined);
    openSessions = [];
    const sessions = new Map<TpmClient, ClientHmacSession>();
    for (const client of [theirs, ours]) {
      const s = await startSession(client, { type: TPM_SE.POLICY });
      if (code !== undefined) await client.run(PolicyCommandCode, { handles: { policySession: s.handle }, params: { code } });
      sessions.set(client, s);
      openSessions.push([client, s.handle]);
    }
    return sessions;
  }
  const define = (label: string, nvIndex: number, attributes: number, o: { size?: number; by?: number; auth?: string; authPolicy?: Buffer } = {}) =>
    step(`define ${label}`, NV_DefineSpace, {
      handles: { authHandle: o.by ?? OWNER },
      params: { auth: Buffer.from(o.auth ?? ''), publicInfo: { nvIndex, nameAlg: TPM_ALG.SHA256, attributes: attributes >>> 0, authPolicy: o.authPolicy ?? Buffer.alloc(0), dataSize: o.size ?? 8 } },
      auth: [pw()],
    });
  const write = (label: string, nvIndex: number, data: string | Buffer, o: { offset?: number; by?: number; password?: string } = {}) =>
    step(label, NV_Write, { handles: { authHandle: o.by ?? OWNER, nvIndex }, params: { data: Buffer.from(data), offset: o.offset ?? 0 }, auth: [pw(o.password)] });
  const read = (label: string, nvIndex: number, size: number, o: { offset?: number; by?: number; password?: string } = {}) =>
    step(label, NV_Read, { handles: { authHandle: o.by ?? OWNER, nvIndex }, params: { size, offset: o.offset ?? 0 }, auth: [pw(o.password)] });
  const byOwner = { authHandle: OWNER } as const;
  const onIndex = (nvIndex: number, by = OWNER) => ({ handles: { authHandle: by, nvIndex }, params: {}, auth: [pw()] });
  const readPublic = (label: string, nvIndex: number) => step(label, NV_ReadPublic, { handles: { nvIndex }, params: {} });

  async function cycle(label: string, shutdownType: number | null, startupType: number): Promise<void> {
    if (shutdownType !== null) await step(`${label}: Shutdown`, Shutdown, { params: { shutdownType } });
    await sides.init();
    expect((await step(`${label}: Startup`, Startup, { params: { startupType } })).rc).to.equal(0);
  }

  beforeEach(async function () {
    requireTools(this, ['swtpm'], DEBIAN_TOOLS);
    sides = await SideBySide.connect('nv differential');
    [theirs, ours] = sides.clients;
    await step('Startup', Startup, { params: { startupType: TPM_SU.CLEAR } });
  });
  afterEach(async () => sides?.stop());

  it('ordinary index: authorization by index, owner and platform; ranges, WRITEALL, Names before and after writing', async () => {
    const I = 0x01500000;
    await define('ordinary', I, RW | A.AUTHREAD | A.AUTHWRITE, { size: 32, auth: 'pw' });
    await readPublic('public before writing', I);
    await read('read unwritten', I, 4, { by: I, password: 'pw' });
    await write('partial first write', I, 'hello', { offset: 3, by: I, password: 'pw' });
    await readPublic('public after writing', I);
    await read('read all', I, 32);
    for (const [size, offset] of [[30, 3], [0, 33], [1025, 0], [0, 32]]) await read(`read ${size}@${offset}`, I, size!, { offset });
    await write('write past the end', I, Buffer.alloc(30), { offset: 3 });
    await write('write offset past the end', I, '', { offset: 33 });
    await write('wrong password', I, 'x', { by: I, password: 'wrong' });
    await write('platform without PPWRITE', I, 'x', { by: PLATFORM });
    await read('platform without PPREAD', I, 1, { by: PLATFORM });
    await define('owner only', I + 1, RW, { size: 16 });
    await write('index without AUTHWRITE', I + 1, 'x', { by: I + 1 });
    await read('index without AUTHREAD', I + 1, 1, { by: I + 1 });
    await write('another index as authorizer', I + 1, 'x', { by: I, password: 'pw' });
    await write('undefined index', I + 99, 'x');
    await define('WRITEALL', I + 2, RW | A.WRITEALL, { size: 4 });
    await write('partial WRITEALL', I + 2, 'ab');
    await write('whole WRITEALL', I + 2, 'abcd');
    await define('twice', I + 2, RW);
    await step('ChangeAuth with a password', NV_ChangeAuth, { handles: { nvIndex: I }, params: { newAuth: Buffer.from('new') }, auth: [pw('pw')] });
  });

  it('counters, bit fields and extend indices', async () => {
    const I = 0x01510000;
    await define('counter', I, RW | nt(TPM_NT.COUNTER));
    await read('unwritten counter', I, 8);
    await write('NV_Write to a counter', I, Buffer.alloc(8));
    for (let k = 0; k < 3; k++) await step('increment', NV_Increment, onIndex(I));
    await read('counter', I, 8);
    await define('second counter', I + 1, RW | nt(TPM_NT.COUNTER));
    await step('increment second', NV_Increment, onIndex(I + 1));
    await read('second counter', I + 1, 8);
    await step('delete first', NV_UndefineSpace, onIndex(I));
    await define('counter again', I, RW | nt(TPM_NT.COUNTER));
    await step('increment new', NV_Increment, onIndex(I));
    await read('new counter starts above the deleted one', I, 8);
    await define('bits', I + 2, RW | nt(TPM_NT.BITS));
    await step('set bits', NV_SetBits, { ...onIndex(I + 2), params: { bits: 0x8000000000000001n } });
    await step('set more bits', NV_SetBits, { ...onIndex(I + 2), params: { bits: 0x10n } });
    await read('bits', I + 2, 8);
    await define('extend', I + 3, RW | nt(TPM_NT.EXTEND), { size: 32 });
    await step('extend', NV_Extend, { ...onIndex(I + 3), params: { data: Buffer.from('abc') } });
    await step('extend again', NV_Extend, { ...onIndex(I + 3), params: { data: Buffer.from('def') } });
    await read('extended', I + 3, 32);
    await define('ordinary', I + 4, RW);
    await step('increment an ordinary index', NV_Increment, onIndex(I + 4));
    await step('set bits of an ordinary index', NV_SetBits, { ...onIndex(I + 4), params: { bits: 1n } });
    await step('extend an ordinary index', NV_Extend, { ...onIndex(I + 4), params: { data: Buffer.from('x') } });
    await write('NV_Write to an extend index', I + 3, 'x');
  });

  it('locks, platform indices, POLICY_DELETE and deletion rules', async () => {
    const I = 0x01520000;
    await define('plain', I, RW);
    await step('write-lock without WRITEDEFINE/WRITE_STCLEAR', NV_WriteLock, onIndex(I));
    await step('read-lock without READ_STCLEAR', NV_ReadLock, onIndex(I));
    await define('lockable', I + 1, RW | A.WRITE_STCLEAR | A.READ_STCLEAR, { size: 4 });
    await write('write lockable', I + 1, 'abcd');
    await step('read-lock by the platform', NV_ReadLock, onIndex(I + 1, PLATFORM));
    await step('write-lock', NV_WriteLock, onIndex(I + 1));
    await step('write-lock again', NV_WriteLock, onIndex(I + 1));
    await write('write when locked', I + 1, 'abcd');
    await step('read-lock', NV_ReadLock, onIndex(I + 1));
    await read('read when locked', I + 1, 4);
    await readPublic('locked public area', I + 1);
    await define('platform', I + 2, RW | A.PPWRITE | A.PPREAD | A.PLATFORMCREATE | A.GLOBALLOCK, { by: PLATFORM });
    await step('owner deletes a platform index', NV_UndefineSpace, onIndex(I + 2));
    await write('platform writes', I + 2, Buffer.alloc(8, 1), { by: PLATFORM });
    await step('global write lock', NV_GlobalWriteLock, { handles: byOwner, params: {}, auth: [pw()] });
    await write('write after the global lock', I + 2, Buffer.alloc(8, 1), { by: PLATFORM });
    await step('platform deletes', NV_UndefineSpace, onIndex(I + 2, PLATFORM));
    await define('POLICY_DELETE', I + 3, RW | A.POLICY_DELETE | A.PLATFORMCREATE, { by: PLATFORM, authPolicy: Buffer.alloc(32, 7) });
    await step('NV_UndefineSpace of a POLICY_DELETE index', NV_UndefineSpace, onIndex(I + 3, PLATFORM));
    await step('NV_UndefineSpaceSpecial with passwords', NV_UndefineSpaceSpecial, { handles: { nvIndex: I + 3, platform: PLATFORM }, params: {}, auth: [pw(), pw()] });
    await step('delete', NV_UndefineSpace, onIndex(I));
    await step('delete again', NV_UndefineSpace, onIndex(I));
  });

  it('Startup: TPM Restart, Resume, Reset and an unorderly restart treat locks, CLEAR_STCLEAR, ORDERLY and counters alike', async () => {
    const I = 0x01600000;
    const kinds: [string, number][] = [
      ['WRITE_STCLEAR', RW | A.WRITE_STCLEAR],
      ['WRITEDEFINE', RW | A.WRITEDEFINE],
      ['READ_STCLEAR', RW | A.READ_STCLEAR],
      ['CLEAR_STCLEAR', RW | A.CLEAR_STCLEAR],
      ['ORDERLY', RW | A.ORDERLY],
      ['ORDERLY counter', RW | A.ORDERLY | nt(TPM_NT.COUNTER)],
      ['counter', RW | nt(TPM_NT.COUNTER)],
      ['GLOBALLOCK', RW | A.GLOBALLOCK],
      ['unwritten WRITEDEFINE', RW | A.WRITEDEFINE],
    ];
    for (const [i, [label, attributes]] of kinds.entries()) await define(label, I + i, attributes);
    const lockAll = async () => {
      for (const i of [0, 1, 3, 4, 7, 2]) await write(`write ${kinds[i]![0]}`, I + i, '12345678');
      for (const i of [5, 6]) await step(`increment ${kinds[i]![0]}`, NV_Increment, onIndex(I + i));
      for (const i of [0, 1, 8]) await step(`write-lock ${kinds[i]![0]}`, NV_WriteLock, onIndex(I + i));
      await step('read-lock', NV_ReadLock, onIndex(I + 2));
      await step('global lock', NV_GlobalWriteLock, { handles: byOwner, params: {}, auth: [pw()] });
    };
    const show = async (when: string) => {
      for (const [i, [label]] of kinds.entries()) {
        await readPublic(`${when}: public ${label}`, I + i);
        await read(`${when}: read ${label}`, I + i, 8);
      }
    };
    await lockAll();
    await show('locked');
    await cycle('restart', TPM_SU.STATE, TPM_SU.CLEAR);
    await show('after TPM Restart');
    await lockAll();
    await cycle('resume', TPM_SU.STATE, TPM_SU.STATE);
    await show('after TPM Resume');
    await cycle('reset', TPM_SU.CLEAR, TPM_SU.CLEAR);
    await show('after TPM Reset');
    await lockAll();
    for (let k = 0; k < 5; k++) await step('increment ORDERLY counter', NV_Increment, onIndex(I + 5));
    await cycle('unorderly', null, TPM_SU.CLEAR);
    await show('after an unorderly restart');
    await step('increment ORDERLY counter', NV_Increment, onIndex(I + 5));
    await read('ORDERLY counter', I + 5, 8);
  });

  it('policy sessions: ADMIN role (NV_ChangeAuth, NV_UndefineSpaceSpecial) and POLICYWRITE / POLICYREAD', async () => {
    const I = 0x01700000;
    await define('ChangeAuth by policy', I, RW | A.AUTHREAD | A.AUTHWRITE, { auth: 'old', authPolicy: policyDigest(TPM_CC.PolicyCommandCode, TPM_CC.NV_ChangeAuth) });
    let s = await policySessions(TPM_CC.NV_ChangeAuth);
    await stepEach('NV_ChangeAuth by policy', NV_ChangeAuth, (c) => ({ handles: { nvIndex: I }, params: { newAuth: Buffer.from('new') }, auth: [{ session: s.get(c)! }] }));
    await write('new authValue', I, 'x', { by: I, password: 'new' });
    await write('old authValue', I, 'x', { by: I, password: 'old' });
    s = await policySessions(TPM_CC.NV_Write);
    await stepEach('NV_ChangeAuth by a policy for another command', NV_ChangeAuth, (c) => ({ handles: { nvIndex: I }, params: { newAuth: Buffer.from('x') }, auth: [{ session: s.get(c)! }] }));

    await define('ADMIN policy without a command code', I + 1, RW | A.AUTHREAD, { auth: 'old', authPolicy: policyDigest(TPM_CC.PolicyAuthValue) });
    s = await policySessions();
    for (const [c, session] of s) {
      await c.run(PolicyAuthValue, { handles: { policySession: session.handle }, params: {} });
      session.policyAuth = 'authValue';
    }
    await stepEach('NV_ChangeAuth without PolicyCommandCode', NV_ChangeAuth, (c) => ({ handles: { nvIndex: I + 1 }, params: { newAuth: Buffer.from('x') }, auth: [{ session: s.get(c)!, authValue: 'old' }] }));

    await define('POLICY_DELETE', I + 2, RW | A.POLICY_DELETE | A.PLATFORMCREATE, { by: PLATFORM, authPolicy: policyDigest(TPM_CC.PolicyCommandCode, TPM_CC.NV_UndefineSpaceSpecial) });
    s = await policySessions(TPM_CC.NV_UndefineSpaceSpecial);
    await stepEach('NV_UndefineSpaceSpecial by policy', NV_UndefineSpaceSpecial, (c) => ({ handles: { nvIndex: I + 2, platform: PLATFORM }, params: {}, auth: [{ session: s.get(c)! }, pw()] }));
    await readPublic('deleted', I + 2);

    await define('POLICYWRITE', I + 3, RW | A.POLICYWRITE, { authPolicy: policyDigest(TPM_CC.PolicyCommandCode, TPM_CC.NV_Write) });
    s = await policySessions(TPM_CC.NV_Write);
    await stepEach('write by policy', NV_Write, (c) => ({ handles: { authHandle: I + 3, nvIndex: I + 3 }, params: { data: Buffer.from('policy!!'), offset: 0 }, auth: [{ session: s.get(c)! }] }));
    await read('written by policy', I + 3, 8);
    s = await policySessions(TPM_CC.NV_Read);
    await stepEach('read by policy without POLICYREAD', NV_Read, (c) => ({ handles: { authHandle: I + 3, nvIndex: I + 3 }, params: { size: 1, offset: 0 }, auth: [{ session: s.get(c)! }] }));
    await define('policy but no POLICYWRITE', I + 4, RW, { authPolicy: policyDigest(TPM_CC.PolicyCommandCode, TPM_CC.NV_Write) });
    s = await policySessions(TPM_CC.NV_Write);
    await stepEach('write by policy without POLICYWRITE', NV_Write, (c) => ({ handles: { authHandle: I + 4, nvIndex: I + 4 }, params: { data: Buffer.from('x'), offset: 0 }, auth: [{ session: s.get(c)! }] }));
  });

  it('HMAC sessions authorize with the index Name, which changes with the first write (bound and unbound)', async () => {
    const I = 0x01710000;
    const nameOn = async (c: TpmClient) => (await c.run(NV_ReadPublic, { handles: { nvIndex: I }, params: {} })).nvName;
    for (const bound of [false, true]) {
      await define(`index (${bound ? 'bound' : 'unbound'} session)`, I, RW | A.AUTHREAD | A.AUTHWRITE, { size: 16, auth: 'pw' });
      const sessions = new Map<TpmClient, ClientHmacSession>();
      for (const c of [theirs, ours]) {
        sessions.set(c, await startSession(c, bound ? { bind: { handle: I, name: await nameOn(c), authValue: 'pw' } } : {}));
      }
      for (let k = 0; k < 2; k++) {
        const names = new Map([[theirs, await nameOn(theirs)], [ours, await nameOn(ours)]]);
        const auth = (c: TpmClient) => ({ auth: [{ session: sessions.get(c)!, authValue: 'pw' }], names: [names.get(c)!, names.get(c)!] });
        await stepEach(`write ${k}`, NV_Write, (c) => ({ handles: { authHandle: I, nvIndex: I }, params: { data: Buffer.from(`data ${k}`), offset: 0 }, ...auth(c) }));
        names.set(theirs, await nameOn(theirs)).set(ours, await nameOn(ours));
        await stepEach(`read ${k}`, NV_Read, (c) => ({ handles: { authHandle: I, nvIndex: I }, params: { size: 6, offset: 0 }, ...auth(c) }));
      }
      for (const [c, s] of sessions) await c.run(FlushContext, { params: { flushHandle: s.handle } });
      await step('delete', NV_UndefineSpace, onIndex(I));
    }
  });

  it('PIN pass and PIN fail indices count uses of their authValue', async () => {
    const I = 0x01720000;
    const pin = (count: number, limit: number) => Buffer.from([0, 0, 0, count, 0, 0, 0, limit]);
    await define('PIN pass', I, RW | A.AUTHREAD | nt(TPM_NT.PIN_PASS), { auth: '1234' });
    await read('PIN pass before it is written', I, 8, { by: I, password: '1234' });
    await write('set pinLimit 2', I, pin(0, 2));
    for (let k = 0; k < 3; k++) await read(`use ${k + 1} of the PIN`, I, 8, { by: I, password: '1234' });
    await read('PIN pass counter', I, 8);
    await define('PIN fail', I + 1, RW | A.AUTHREAD | nt(TPM_NT.PIN_FAIL), { auth: '1234' });
    await write('set pinLimit 2', I + 1, pin(0, 2));
    await read('wrong PIN', I + 1, 8, { by: I + 1, password: 'bad' });
    await read('right PIN resets the count', I + 1, 8, { by: I + 1, password: '1234' });
    for (let k = 0; k < 3; k++) await read(`wrong PIN ${k + 1}`, I + 1, 8, { by: I + 1, password: 'bad' });
    await read('right PIN after the limit', I + 1, 8, { by: I + 1, password: '1234' });
    await read('PIN fail counter', I + 1, 8);
  });

  it('1500 random NV commands (seeded) with Startups in between', async () => {
    let seed = 0x5eed1234;
    const next = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const pick = <T>(a: readonly T[]): T => a[next(a.length)]!;
    const indices = [0x01000001, 0x01000002, 0x01000003, 0x01000004];
    const authorizers = [OWNER, PLATFORM, ...indices];
    const optional = ['PPWRITE', 'OWNERWRITE', 'AUTHWRITE', 'WRITEALL', 'WRITEDEFINE', 'WRITE_STCLEAR', 'GLOBALLOCK', 'PPREAD', 'OWNERREAD', 'AUTHREAD', 'ORDERLY', 'CLEAR_STCLEAR', 'READ_STCLEAR'] as const;
    for (let n = 0; n < 1500; n++) {
      const op = next(100);
      const nvIndex = pick(indices);
      const auth = { handles: { authHandle: pick(authorizers), nvIndex }, auth: [pw()] };
      if (op < 15) {
        const type = pick([TPM_NT.ORDINARY, TPM_NT.ORDINARY, TPM_NT.COUNTER, TPM_NT.BITS, TPM_NT.EXTEND]);
        let attributes = A.NO_DA | nt(type);
        for (const bit of optional) if (next(3) === 0) attributes |= A[bit];
        const by = next(4) ? OWNER : PLATFORM;
        if (by === PLATFORM) attributes |= A.PLATFORMCREATE;
        const size = type === TPM_NT.ORDINARY ? pick([0, 1, 8, 16, 32]) : type === TPM_NT.EXTEND ? 32 : 8;
        await define(`#${n}`, nvIndex, attributes, { size, by });
      } else if (op < 22) await step(`#${n} undefine`, NV_UndefineSpace, { ...auth, handles: { authHandle: pick([OWNER, PLATFORM]), nvIndex }, params: {} });
      else if (op < 37) await step(`#${n} write`, NV_Write, { ...auth, params: { data: Buffer.alloc(next(34), next(256)), offset: next(34) } });
      else if (op < 52) await step(`#${n} read`, NV_Read, { ...auth, params: { size: next(34), offset: next(34) } });
      else if (op < 58) await step(`#${n} increment`, NV_Increment, { ...auth, params: {} });
      else if (op < 63) await step(`#${n} set bits`, NV_SetBits, { ...auth, params: { bits: BigInt(next(1 << 30)) } });
      else if (op < 68) await step(`#${n} extend`, NV_Extend, { ...auth, params: { data: Buffer.alloc(next(10), 7) } });
      else if (op < 73) await step(`#${n} write-lock`, NV_WriteLock, { ...auth, params: {} });
      else if (op < 78) await step(`#${n} read-lock`, NV_ReadLock, { ...auth, params: {} });
      else if (op < 80) await step(`#${n} global lock`, NV_GlobalWriteLock, { handles: { authHandle: pick([OWNER, PLATFORM]) }, params: {}, auth: [pw()] });
      else if (op < 94) await readPublic(`#${n} public`, nvIndex);
      else {
        const [shutdown, startup] = pick<[number | null, number]>([[TPM_SU.STATE, TPM_SU.CLEAR], [TPM_SU.STATE, TPM_SU.STATE], [TPM_SU.CLEAR, TPM_SU.CLEAR], [null, TPM_SU.CLEAR]]);
        await cycle(`#${n}`, shutdown, startup);
      }
    }
  });
});
