import { expect } from 'chai';
import {
  ClearControl, ClockRateAdjust, ClockSet, ContextSave, Create, DictionaryAttackParameters, EvictControl, GetRandom, HierarchyChangeAuth, HierarchyControl,
  Load, NV_Extend, NV_Increment, NV_ReadLock, NV_SetBits, NV_UndefineSpace, NV_WriteLock, PCR_Allocate, PCR_Extend, PolicyAuthValue, PolicyCommandCode,
  PolicyPCR, SetCommandCodeAuditStatus, SetPrimaryPolicy, Shutdown, Startup, StirRandom, Tpm, TpmClient, TPM_ALG, TPM_CC, TPM_RH, TPM_SE,
  TPM_SU, TPMA_NV, TPMA_OBJECT, TPMA_SESSION, Unseal, StateFormatError, restoreTpm, startSession, type ClientHmacSession, type TpmsContext, type Transport,
} from '../src/index.js';
import { createPrimary, eccStorageTemplate, keyTemplate } from './kit/keys.js';
import { pw, type ClockedTpm } from './kit/startedTpm.js';
import { rcOf } from './kit/responseCodes.js';
import { AUTH_RW, BITS, COUNTER, EXTEND, OWNER_RW, PIN_FAIL, PIN_PASS, define, nt, write } from './nvTestKit.js';

/** Fixtures of the state blob tests: a TPM with something in every part of its state, and command recording. */

export const OWNER_PW = 'owner-pw';
export const LOCKOUT_PW = 'lockout-pw';
export const PLATFORM_PW = 'platform-pw';
export const PERSISTENT_PRIMARY = 0x81000001;

/** One NV index of each type and state (handle => what it shows). */
export const NV = {
  ordinary: 0x01000001,
  orderly: 0x01000002,
  counter: 0x01000003,
  orderlyCounter: 0x01000004,
  bits: 0x01000005,
  extend: 0x01000006,
  pinFail: 0x01000007,
  pinPass: 0x01000008,
  unwritten: 0x01000009,
  writeLocked: 0x0100000a,
  readLocked: 0x0100000b,
  platform: 0x01400001,
} as const;

export interface RichTpm extends ClockedTpm {
  /** Every command of the workload, for replay on another TPM. */
  recorder: RecordingTransport;
  primary: { handle: number; name: Buffer };
  sealed: { handle: number; name: Buffer };
  hmac: ClientHmacSession;
  policy: ClientHmacSession;
  savedSession: { session: ClientHmacSession; context: TpmsContext };
  objectContext: TpmsContext;
}

const nvPin = (count: number, limit: number) => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(count, 0);
  b.writeUInt32BE(limit, 4);
  return b;
};

/** A sealed object without noDA: wrong passwords count toward lockout. */
function daSealTemplate() {
  const { fixedTPM, fixedParent, userWithAuth } = TPMA_OBJECT;
  return keyTemplate(TPM_ALG.KEYEDHASH, fixedTPM | fixedParent | userWithAuth, { scheme: { scheme: TPM_ALG.NULL, details: null } }, Buffer.alloc(0));
}

async function defineEveryNvType(f: { tpm: Tpm; client: TpmClient }): Promise<void> {
  const c = f.client;
  const owner = pw(OWNER_PW);
  const nvCmd = (nvIndex: number) => ({ handles: { authHandle: TPM_RH.OWNER, nvIndex }, auth: [owner] });
  const defineAs = (h: number, attrs: number, opts: { size?: number; nameAlg?: number } = {}) => define(f, h, attrs, { ...opts, auth: 'nv-pw' });
  const ownerWrite = (h: number, data: Buffer | string) => write(f, h, data, 0, TPM_RH.OWNER, OWNER_PW);
  // the kit defines with the empty owner password: define before changing it
  await defineAs(NV.ordinary, OWNER_RW | AUTH_RW, { size: 32 });
  await defineAs(NV.orderly, OWNER_RW | TPMA_NV.ORDERLY | TPMA_NV.CLEAR_STCLEAR, { size: 16 });
  await defineAs(NV.counter, OWNER_RW | nt(COUNTER));
  await defineAs(NV.orderlyCounter, OWNER_RW | nt(COUNTER) | TPMA_NV.ORDERLY);
  await defineAs(NV.bits, OWNER_RW | nt(BITS));
  await defineAs(NV.extend, OWNER_RW | nt(EXTEND), { size: 32 });
  await defineAs(NV.pinFail, OWNER_RW | nt(PIN_FAIL));
  await defineAs(NV.pinPass, OWNER_RW | nt(PIN_PASS));
  await defineAs(NV.unwritten, OWNER_RW, { size: 4 });
  await defineAs(NV.writeLocked, OWNER_RW | TPMA_NV.WRITE_STCLEAR, { size: 4 });
  await defineAs(NV.readLocked, OWNER_RW | TPMA_NV.READ_STCLEAR, { size: 4 });
  await define(f, 0x01000020, OWNER_RW | nt(COUNTER));
  await c.run(HierarchyChangeAuth, { handles: { authHandle: TPM_RH.OWNER }, auth: [pw()], params: { newAuth: Buffer.from(OWNER_PW) } });

  await ownerWrite(NV.ordinary, 'ordinary data');
  await ownerWrite(NV.orderly, 'orderly');
  for (const h of [NV.counter, NV.counter, NV.orderlyCounter, 0x01000020]) await c.run(NV_Increment, { ...nvCmd(h), params: {} });
  // a deleted counter leaves its highest value behind
  await c.run(NV_UndefineSpace, { handles: { authHandle: TPM_RH.OWNER, nvIndex: 0x01000020 }, auth: [owner], params: {} });
  await c.run(NV_SetBits, { ...nvCmd(NV.bits), params: { bits: 0x8001n } });
  await c.run(NV_Extend, { ...nvCmd(NV.extend), params: { data: Buffer.from('measured') } });
  await ownerWrite(NV.pinFail, nvPin(1, 5));
  await ownerWrite(NV.pinPass, nvPin(0, 3));
  await ownerWrite(NV.writeLocked, 'lock');
  await c.run(NV_WriteLock, { ...nvCmd(NV.writeLocked), params: {} });
  await ownerWrite(NV.readLocked, 'rdlk');
  await c.run(NV_ReadLock, { ...nvCmd(NV.readLocked), params: {} });
  await define(f, NV.platform, TPMA_NV.PPREAD | TPMA_NV.PPWRITE | TPMA_NV.PLATFORMCREATE | TPMA_NV.NO_DA, { by: TPM_RH.PLATFORM, size: 8 });
  await write(f, NV.platform, 'platform', 0, TPM_RH.PLATFORM);
}

/**
 * A started, seeded TPM on a test clock with every part of its state in use: hierarchy auths and
 * policies, NV indices of every type, a persistent and loaded objects, an HMAC and a policy session
 * loaded, a session and an object context saved, PCRs extended, DA failures, command audit,
 * Clock set; every command recorded. `allocate` also leaves a pending PCR_Allocate (which forbids Shutdown(STATE)).
 */
export async function richTpm(opts: { seed?: string; allocate?: boolean } = {}): Promise<RichTpm> {
  const clock = { ms: 1000 };
  const tpm = new Tpm({ seed: Buffer.from(opts.seed ?? 'state'), now: () => clock.ms });
  const recorder = new RecordingTransport(tpm, clock);
  const f = { tpm, clock, client: new TpmClient(recorder) };
  const c = f.client;
  await c.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  await defineEveryNvType(f);
  const owner = pw(OWNER_PW);
  await c.run(HierarchyChangeAuth, { handles: { authHandle: TPM_RH.LOCKOUT }, auth: [pw()], params: { newAuth: Buffer.from(LOCKOUT_PW) } });
  await c.run(HierarchyChangeAuth, { handles: { authHandle: TPM_RH.PLATFORM }, auth: [pw()], params: { newAuth: Buffer.from(PLATFORM_PW) } });
  await c.run(SetPrimaryPolicy, { handles: { authHandle: TPM_RH.ENDORSEMENT }, auth: [pw()], params: { authPolicy: Buffer.alloc(32, 0xee), hashAlg: TPM_ALG.SHA256 } });
  await c.run(DictionaryAttackParameters, { handles: { lockHandle: TPM_RH.LOCKOUT }, auth: [pw(LOCKOUT_PW)], params: { newMaxTries: 5, newRecoveryTime: 600, lockoutRecovery: 1200 } });
  await c.run(ClearControl, { handles: { auth: TPM_RH.LOCKOUT }, auth: [pw(LOCKOUT_PW)], params: { disable: true } });
  await c.run(SetCommandCodeAuditStatus, { handles: { auth: TPM_RH.OWNER }, auth: [owner], params: { auditAlg: TPM_ALG.SHA256, setList: [], clearList: [] } });
  await c.run(SetCommandCodeAuditStatus, { handles: { auth: TPM_RH.OWNER }, auth: [owner], params: { auditAlg: TPM_ALG.NULL, setList: [TPM_CC.GetRandom], clearList: [] } });
  await c.run(GetRandom, { params: { bytesRequested: 16 } }); // audited: a digest and counter
  await c.run(StirRandom, { params: { inData: Buffer.from('stir') } });
  await c.run(ClockSet, { handles: { auth: TPM_RH.OWNER }, auth: [owner], params: { newTime: 5_000_000n } });
  await c.run(ClockRateAdjust, { handles: { auth: TPM_RH.OWNER }, auth: [owner], params: { rateAdjust: 1 } });
  for (const pcr of [0, 16, 23]) {
    await c.run(PCR_Extend, { handles: { pcrHandle: pcr }, auth: [pw()], params: { digests: [{ hashAlg: TPM_ALG.SHA256, digest: Buffer.alloc(32, pcr + 1) }] } });
  }

  const primary = await createPrimary(c, TPM_RH.OWNER, { auth: owner, template: eccStorageTemplate() });
  await c.run(EvictControl, { handles: { auth: TPM_RH.OWNER, objectHandle: primary.handle }, auth: [owner], params: { persistentHandle: PERSISTENT_PRIMARY } });
  const created = await c.run(Create, {
    handles: { parentHandle: primary.handle },
    auth: [pw()],
    params: { inSensitive: { userAuth: Buffer.from('seal-pw'), data: Buffer.from('sealed secret') }, inPublic: daSealTemplate(), outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
  const loaded = await c.run(Load, { handles: { parentHandle: primary.handle }, auth: [pw()], params: { inPrivate: created.outPrivate, inPublic: created.outPublic } });
  const sealed = { handle: loaded.handle, name: loaded.name };
  await rcOf(c.run(Unseal, { handles: { itemHandle: sealed.handle }, auth: [pw('wrong')], params: {} })); // one DA failure
  const objectContext = (await c.run(ContextSave, { handles: { saveHandle: sealed.handle }, params: {} })).context;

  const saved = await startSession(c);
  const savedContext = (await c.run(ContextSave, { handles: { saveHandle: saved.handle }, params: {} })).context;
  const hmac = await startSession(c);
  await c.run(Unseal, { handles: { itemHandle: sealed.handle }, names: [sealed.name], auth: [{ session: hmac, authValue: 'seal-pw' }], params: {} });
  const policy = await startSession(c, { type: TPM_SE.POLICY });
  await c.run(PolicyCommandCode, { handles: { policySession: policy.handle }, params: { code: TPM_CC.Unseal } });
  await c.run(PolicyAuthValue, { handles: { policySession: policy.handle }, params: {} });
  await c.run(PolicyPCR, { handles: { policySession: policy.handle }, params: { pcrDigest: Buffer.alloc(0), pcrs: [{ hash: TPM_ALG.SHA256, pcrSelect: Buffer.from([1, 0, 0]) }] } });

  await c.run(HierarchyControl, { handles: { authHandle: TPM_RH.PLATFORM }, auth: [pw(PLATFORM_PW)], params: { enable: TPM_RH.ENDORSEMENT, state: false } });
  if (opts.allocate) {
    await c.run(PCR_Allocate, {
      handles: { authHandle: TPM_RH.PLATFORM },
      auth: [pw(PLATFORM_PW)],
      params: { pcrAllocation: [{ hash: TPM_ALG.SHA1, pcrSelect: Buffer.from([0, 0, 0]) }] },
    });
  }
  // last: any command without it ends the session's audit exclusivity
  hmac.attributes |= TPMA_SESSION.audit; // an audit digest, the exclusive audit session
  await c.run(GetRandom, { auth: [{ session: hmac }], params: { bytesRequested: 8 } });
  hmac.attributes &= ~TPMA_SESSION.audit;
  f.clock.ms += 250;
  return { ...f, recorder, primary, sealed, hmac, policy, savedSession: { session: saved, context: savedContext }, objectContext };
}

/** Shutdown(STATE): what a host sends before a suspend or a power cycle that keeps state. */
export async function shutdownState(f: { client: TpmClient }): Promise<void> {
  await f.client.run(Shutdown, { params: { shutdownType: TPM_SU.STATE } });
}

/** A recorded step: a command with its locality, the test clock when sent and the response; or a _TPM_Init. */
export type Step = { kind: 'command'; command: Buffer; locality: number; ms: number; response: Buffer } | { kind: 'init'; ms: number };

/** A transport to a TPM that records every command and its response, for replay elsewhere. */
export class RecordingTransport implements Transport {
  readonly steps: Step[] = [];
  constructor(
    readonly tpm: Tpm,
    private readonly clock: { ms: number },
  ) {}
  async send(command: Buffer, locality = 0): Promise<Buffer> {
    const response = this.tpm.execute(command, locality);
    this.steps.push({ kind: 'command', command: Buffer.from(command), locality, ms: this.clock.ms, response });
    return response;
  }
  init(): void {
    this.tpm.init();
    this.steps.push({ kind: 'init', ms: this.clock.ms });
  }
}

/** Replays recorded steps on `tpm` (whose clock is `clock`); returns the first step whose response differs, or -1. */
export function replay(tpm: Tpm, clock: { ms: number }, steps: Step[]): { at: number; expected?: string; got?: string } {
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    clock.ms = s.ms;
    if (s.kind === 'init') {
      tpm.init();
      continue;
    }
    const got = tpm.execute(s.command, s.locality);
    if (!got.equals(s.response)) return { at: i, expected: s.response.toString('hex'), got: got.toString('hex') };
  }
  return { at: -1 };
}

/** A client recording onto `tpm`. */
export function recordingClient(tpm: Tpm, clock: { ms: number }): { client: TpmClient; recorder: RecordingTransport } {
  const recorder = new RecordingTransport(tpm, clock);
  return { client: new TpmClient(recorder), recorder };
}

/** Restores blobs into a TPM on its own test clock standing at `ms`. */
export function restoreOnClock(blobs: { permanent: Buffer; volatile?: Buffer | null }, ms: number): { tpm: Tpm; clock: { ms: number }; client: TpmClient } {
  const clock = { ms };
  const tpm = Tpm.restore(blobs, { now: () => clock.ms });
  return { tpm, clock, client: new TpmClient({ send: async (cmd, loc = 0) => tpm.execute(cmd, loc) }) };
}

/** The StateFormatError a restore throws (fails the test when it restores or throws anything else). */
export function formatError(blobs: { permanent: Buffer; volatile?: Buffer | null }): string {
  try {
    restoreTpm(blobs);
  } catch (e) {
    if (e instanceof StateFormatError) return e.message;
    throw e;
  }
  return expect.fail('restored');
}
