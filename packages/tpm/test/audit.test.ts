import { expect } from 'chai';
import crypto from 'node:crypto';
import {
  GetCapability, GetCommandAuditDigest, GetRandom, GetSessionAuditDigest, Hash, NV_DefineSpace, NV_ReadPublic, NV_Write, SetCommandCodeAuditStatus,
  Shutdown, TPMA_NV, TPM_CC, TPM_PT, TPM_ST, TPM_SU, cpHash, marshal, parseAttest, rpHash, startSession, type ClientHmacSession,
  type CommandAuditInfo, type CommandSpec, type SessionAuditInfo,
} from '../src/index.js';
import { AK_ATTRIBUTES, ENDORSEMENT, NULL, OWNER, PW, RH_NULL, SHA256, SHA512, eccTemplate, primary, scheme, started, u32, type Fixture } from './attestationTestKit.js';
import { rcOf } from './kit/responseCodes.js';
import { reboot } from './kit/startedTpm.js';

const hashOf = (alg: number) => (alg === SHA512 ? 'sha512' : 'sha256');
const H = (alg: number, ...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), crypto.createHash(hashOf(alg))).digest();
const handleName = (h: number) => u32(h);

/** What the TPM folds into an audit digest for one command: cpHash and rpHash of its parameters as sent and answered. */
function auditEntry<S extends CommandSpec>(alg: number, spec: S, names: Buffer[], params: unknown, response: unknown): [Buffer, Buffer] {
  return [cpHash(alg, spec.code, names, marshal(spec.params, params)), rpHash(alg, spec.code, marshal(spec.response, response))];
}
const extend = (alg: number, digest: Buffer, [cp, rp]: [Buffer, Buffer]) => H(alg, digest, cp, rp);

describe('command audit', function () {
  this.timeout(20000);
  let f: Fixture;

  beforeEach(async () => {
    f = await started('audit');
  });

  const getDigest = async (signHandle = RH_NULL) => {
    const r = await f.client.run(GetCommandAuditDigest, { handles: { privacyHandle: ENDORSEMENT, signHandle }, params: { qualifyingData: Buffer.alloc(0), inScheme: scheme(NULL) }, auth: [PW, PW] });
    const a = parseAttest(r.auditInfo);
    expect(a.type).to.equal(TPM_ST.ATTEST_COMMAND_AUDIT);
    return a.attested as CommandAuditInfo;
  };
  const setStatus = (auditAlg: number, setList: number[], clearList: number[] = []) =>
    f.client.run(SetCommandCodeAuditStatus, { handles: { auth: OWNER }, params: { auditAlg, setList, clearList }, auth: [PW] });
  const audited = async () => (await f.client.run(GetCapability, { params: { capability: 4, property: 0, propertyCount: 100 } })).capabilityData.data;
  const hashParams = (text: string) => ({ data: Buffer.from(text), hashAlg: SHA256, hierarchy: RH_NULL });
  /** An audited-friendly command: deterministic answer (a NULL ticket). */
  const hash = async (text: string) => {
    const params = hashParams(text);
    return { params, response: await f.client.run(Hash, { params }) };
  };

  it('from manufacture: only SetCommandCodeAuditStatus is audited, with SHA-512, counter 0 and no digest', async () => {
    expect(await audited()).to.deep.equal([TPM_CC.SetCommandCodeAuditStatus]);
    expect(await getDigest()).to.deep.equal({ auditCounter: 0n, digestAlg: SHA512, auditDigest: Buffer.alloc(0), commandDigest: H(SHA512, u32(TPM_CC.SetCommandCodeAuditStatus)) });
  });

  it('each audited command extends H(digest || cpHash || rpHash); starting a digest counts', async () => {
    const setParams = { auditAlg: NULL, setList: [TPM_CC.Hash], clearList: [] };
    await setStatus(NULL, [TPM_CC.Hash]);
    let expected = extend(SHA512, Buffer.alloc(64), auditEntry(SHA512, SetCommandCodeAuditStatus, [handleName(OWNER)], setParams, {}));
    for (const text of ['one', 'two']) {
      const { params, response } = await hash(text);
      expected = extend(SHA512, expected, auditEntry(SHA512, Hash, [], params, response));
    }
    const info = await getDigest();
    expect(info).to.deep.equal({ auditCounter: 1n, digestAlg: SHA512, auditDigest: expected, commandDigest: H(SHA512, u32(TPM_CC.SetCommandCodeAuditStatus), u32(TPM_CC.Hash)) });
    expect(await audited()).to.deep.equal([TPM_CC.SetCommandCodeAuditStatus, TPM_CC.Hash]);
    const counters = (await f.client.run(GetCapability, { params: { capability: 6, property: TPM_PT.AUDIT_COUNTER_0, propertyCount: 2 } })).capabilityData.data;
    expect(counters).to.deep.equal([{ property: TPM_PT.AUDIT_COUNTER_0, value: 0 }, { property: TPM_PT.AUDIT_COUNTER_1, value: 1 }]);
  });

  it('a new audit hash cannot come with list changes (TPM_RC_VALUE + P1); the change restarts the digest and is not audited itself', async () => {
    expect(await rcOf(setStatus(SHA256, [TPM_CC.Hash]))).to.equal(0x1c4);
    await setStatus(NULL, [TPM_CC.Hash]);
    await hash('before');
    expect((await getDigest()).auditCounter).to.equal(1n);
    await setStatus(SHA256, []);
    expect(await getDigest()).to.deep.include({ auditCounter: 1n, digestAlg: SHA256, auditDigest: Buffer.alloc(0) });
    const { params, response } = await hash('after');
    const info = await getDigest();
    expect(info.auditCounter).to.equal(2n);
    expect(info.auditDigest).to.deep.equal(extend(SHA256, Buffer.alloc(32), auditEntry(SHA256, Hash, [], params, response)));
    // the same hash again is no change: the list may change with it
    await setStatus(SHA256, [TPM_CC.GetRandom]);
    expect(await audited()).to.include(TPM_CC.GetRandom);
  });

  it('a signed GetCommandAuditDigest restarts the log with the next audited command; an unsigned one does not', async () => {
    const ak = await primary(f.client, ENDORSEMENT, eccTemplate(AK_ATTRIBUTES));
    await setStatus(NULL, [TPM_CC.Hash]);
    await hash('x');
    const first = await getDigest();
    expect(await getDigest(), 'unsigned').to.deep.equal(first);
    expect(await getDigest(ak.handle), 'signed').to.deep.equal(first);
    expect((await getDigest()).auditDigest, 'restarted').to.deep.equal(Buffer.alloc(0));
    const { params, response } = await hash('y');
    expect(await getDigest()).to.deep.include({ auditCounter: 2n, auditDigest: extend(SHA512, Buffer.alloc(64), auditEntry(SHA512, Hash, [], params, response)) });
  });

  it('failed commands are not audited', async () => {
    await setStatus(NULL, [TPM_CC.Hash]);
    const before = await getDigest();
    expect(await rcOf(f.client.run(Hash, { params: { data: Buffer.from('x'), hashAlg: SHA256, hierarchy: 0x4000000d } }))).to.not.equal(0);
    expect(await getDigest()).to.deep.equal(before);
  });

  it('cpHash is taken before the command runs: the first NV_Write is audited with the Name the index had without WRITTEN', async () => {
    const INDEX = 0x01000050;
    const publicInfo = { nvIndex: INDEX, nameAlg: SHA256, attributes: TPMA_NV.OWNERREAD | TPMA_NV.OWNERWRITE | TPMA_NV.NO_DA, authPolicy: Buffer.alloc(0), dataSize: 8 };
    await f.client.run(NV_DefineSpace, { handles: { authHandle: OWNER }, params: { auth: Buffer.alloc(0), publicInfo }, auth: [PW] });
    await setStatus(SHA256, []);
    await setStatus(NULL, [TPM_CC.NV_Write]);
    const unwritten = (await f.client.run(NV_ReadPublic, { handles: { nvIndex: INDEX }, params: {} })).nvName;
    const params = { data: Buffer.from('8 octets'), offset: 0 };
    await f.client.run(NV_Write, { handles: { authHandle: OWNER, nvIndex: INDEX }, params, auth: [PW] });
    const written = (await f.client.run(NV_ReadPublic, { handles: { nvIndex: INDEX }, params: {} })).nvName;
    expect(written).to.not.deep.equal(unwritten);
    const setParams = { auditAlg: NULL, setList: [TPM_CC.NV_Write], clearList: [] };
    let expected = extend(SHA256, Buffer.alloc(32), auditEntry(SHA256, SetCommandCodeAuditStatus, [handleName(OWNER)], setParams, {}));
    expected = extend(SHA256, expected, auditEntry(SHA256, NV_Write, [handleName(OWNER), unwritten], params, {}));
    expect((await getDigest()).auditDigest).to.deep.equal(expected);
  });

  it('Shutdown and unimplemented commands are never audited; SetCommandCodeAuditStatus always is', async () => {
    await setStatus(NULL, [TPM_CC.Shutdown, 0x000001ff, TPM_CC.GetRandom]);
    expect(await audited()).to.deep.equal([TPM_CC.SetCommandCodeAuditStatus, TPM_CC.GetRandom]);
    await setStatus(NULL, [], [TPM_CC.SetCommandCodeAuditStatus, TPM_CC.GetRandom]);
    expect(await audited()).to.deep.equal([TPM_CC.SetCommandCodeAuditStatus]);
  });

  it('without NV the status cannot change (TPM_RC_NV_UNAVAILABLE)', async () => {
    f.tpm.platform.nvAvailable = false;
    try {
      expect(await rcOf(setStatus(NULL, [TPM_CC.Hash]))).to.equal(0x923);
    } finally {
      f.tpm.platform.nvAvailable = true;
    }
  });

  it('a TPM Restart keeps the digest; a TPM Reset clears it but keeps the list, hash and counter', async () => {
    await setStatus(NULL, [TPM_CC.Hash]);
    await hash('kept');
    const before = await getDigest();
    await f.client.run(Shutdown, { params: { shutdownType: TPM_SU.STATE } });
    await reboot(f, TPM_SU.CLEAR);
    expect(await getDigest(), 'restart').to.deep.equal(before);
    await reboot(f, TPM_SU.CLEAR);
    expect(await getDigest(), 'reset').to.deep.equal({ ...before, auditDigest: Buffer.alloc(0) });
  });
});

describe('session audit and GetSessionAuditDigest', function () {
  this.timeout(20000);
  let f: Fixture;
  let ak: { handle: number };

  before(async () => {
    f = await started('session audit');
    ak = await primary(f.client, ENDORSEMENT, eccTemplate(AK_ATTRIBUTES));
  });

  const sessionDigest = async (sessionHandle: number) => {
    const r = await f.client.run(GetSessionAuditDigest, { handles: { privacyAdminHandle: ENDORSEMENT, signHandle: ak.handle, sessionHandle }, params: { qualifyingData: Buffer.alloc(0), inScheme: scheme(NULL) }, auth: [PW, PW] });
    const a = parseAttest(r.auditInfo);
    expect(a.type).to.equal(TPM_ST.ATTEST_SESSION_AUDIT);
    return a.attested as SessionAuditInfo;
  };
  const audit = async (s: ClientHmacSession) => {
    const params = { bytesRequested: 8 };
    const response = await f.client.run(GetRandom, { params, auth: [{ session: s }] });
    return auditEntry(SHA256, GetRandom, [], params, { randomBytes: response.randomBytes });
  };

  it('the digest is H(digest || cpHash || rpHash) over the commands the session audited; exclusive until another command runs', async () => {
    const s = await startSession(f.client, { authHash: SHA256 });
    s.attributes |= 0x80; // TPMA_SESSION.audit
    let expected = extend(SHA256, Buffer.alloc(32), await audit(s));
    expected = extend(SHA256, expected, await audit(s));
    expect(await sessionDigest(s.handle)).to.deep.equal({ exclusiveSession: true, sessionDigest: expected });
    // GetSessionAuditDigest ran without the audit session: no longer exclusive
    expect(await sessionDigest(s.handle)).to.deep.equal({ exclusiveSession: false, sessionDigest: expected });
  });

  it('a session that never audited is TPM_RC_TYPE + H3; a policy session handle TPM_RC_VALUE + H3', async () => {
    const s = await startSession(f.client, { authHash: SHA256 });
    expect(await rcOf(sessionDigest(s.handle))).to.equal(0x38a);
    expect(await rcOf(sessionDigest(0x03000000))).to.equal(0x384);
  });
});
