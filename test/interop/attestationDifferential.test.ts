import { expect } from 'chai';
import {
  Certify, CertifyCreation, CreatePrimary, FlushContext, GetCapability, GetCommandAuditDigest, GetRandom, GetSessionAuditDigest, GetTime, Hash, HashSequenceStart,
  NV_Certify, NV_DefineSpace, NV_Write, PCR_Extend, Quote, SetCommandCodeAuditStatus, Shutdown, Startup, TpmClient,
  TpmResponseError, TPM_ALG, TPM_CC, TPM_RH, TPM_SE, TPM_SU, TPMA_NV, TPMA_OBJECT, parseAttest, startSession,
  type Attest, type CommandSpec, type RunArgs, type TpmtPublic,
} from '@vtpm/tpm';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { SideBySide } from '../lib/sideBySide.js';

/**
 * The same attestation and audit command sequences sent to swtpm 0.7.1 and to vtpm: response codes
 * must be equal, and so must every attestation field that does not depend on the TPM's own seeds,
 * proofs or clock. Keys are primaries (their Names differ between the TPMs: compared by length),
 * NO_DA because swtpm answers the first DA-protected authorization after Startup with TPM_RC_RETRY.
 * Command audit digests over deterministic commands (Hash with a NULL ticket) are equal octet for octet.
 */

const { NULL, SHA1, SHA256, SHA384, ECDSA, ECDAA, ECSCHNORR, RSASSA, HMAC } = TPM_ALG;
const OWNER: number = TPM_RH.OWNER;
const ENDORSEMENT: number = TPM_RH.ENDORSEMENT;
const RH_NULL: number = TPM_RH.NULL;
const pw = () => ({ password: '' });
const O = TPMA_OBJECT;
const AK = O.fixedTPM | O.fixedParent | O.sensitiveDataOrigin | O.userWithAuth | O.restricted | O.sign | O.noDA;
const SIGN = O.fixedTPM | O.fixedParent | O.sensitiveDataOrigin | O.userWithAuth | O.sign | O.noDA;
type Scheme = { scheme: number; details: { hashAlg: number; count?: number } | null };
const scheme = (s: number, hashAlg: number = SHA256): Scheme => ({ scheme: s, details: s === NULL ? null : s === ECDAA ? { hashAlg, count: 0 } : { hashAlg } });
const ecc = (attributes: number, sch: Scheme = scheme(ECDSA)) =>
  ({ type: TPM_ALG.ECC, nameAlg: SHA256, objectAttributes: attributes, authPolicy: Buffer.alloc(0), parameters: { symmetric: { algorithm: NULL }, scheme: sch, curveID: 3, kdf: scheme(NULL) }, unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) } }) as TpmtPublic;
const keyedHash = () => ({ type: TPM_ALG.KEYEDHASH, nameAlg: SHA256, objectAttributes: SIGN, authPolicy: Buffer.alloc(0), parameters: { scheme: scheme(HMAC) }, unique: Buffer.alloc(0) }) as TpmtPublic;
const aes = () => ({ type: TPM_ALG.SYMCIPHER, nameAlg: SHA256, objectAttributes: SIGN | O.decrypt, authPolicy: Buffer.alloc(0), parameters: { sym: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB } }, unique: Buffer.alloc(0) }) as TpmtPublic;

/**
 * The comparable part of an attestation: the TPM's clock goes; key-dependent Names become their
 * length; obfuscated header fields (signers outside endorsement/platform) go.
 */
function comparable(a: Attest, plainHeader: boolean): unknown {
  const names = new Set(['qualifiedSigner', 'name', 'qualifiedName', 'objectName']);
  const attested: Record<string, unknown> = { ...(a.attested as object) };
  for (const k of Object.keys(attested)) if (names.has(k)) attested[k] = `${(attested[k] as Buffer).length} octets`;
  const time = attested.time as { clockInfo: object } | undefined;
  if (time) attested.time = { clockInfo: { ...time.clockInfo, clock: undefined } };
  const header = plainHeader ? { resetCount: a.clockInfo.resetCount, restartCount: a.clockInfo.restartCount, safe: a.clockInfo.safe, firmwareVersion: a.firmwareVersion } : { safe: a.clockInfo.safe };
  return { magic: a.magic, type: a.type, signer: a.qualifiedSigner.length, extraData: a.extraData, header, attested };
}

type Outcome = { rc: number; response: string };
/** The TPM2B_ATTEST of each attestation command's response. */
const ATTEST_FIELDS = ['quoted', 'certifyInfo', 'timeInfo', 'auditInfo'];
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString(16) : x?.type === 'Buffer' ? Buffer.from(x.data).toString('hex') : x));

describe('attestation and audit: the same sequences to swtpm and to vtpm give the same answers', function () {
  this.timeout(60000);
  let sides: SideBySide;
  let theirs: TpmClient;
  let ours: TpmClient;
  /** Per side: the handles of keys made by `keys`. */
  const handles = new Map<TpmClient, Record<string, number>>();
  const creation = new Map<TpmClient, { creationHash: Buffer; creationTicket: { tag: number; hierarchy: number; digest: Buffer } }>();

  async function run<S extends CommandSpec>(client: TpmClient, spec: S, args: RunArgs<S>, plainHeader: boolean): Promise<Outcome> {
    try {
      const r = (await client.run(spec, args)) as Record<string, unknown>;
      const attest = ATTEST_FIELDS.map((k) => r[k]).find((v) => Buffer.isBuffer(v)) as Buffer | undefined;
      const sigAlg = (r.signature as { sigAlg?: number } | undefined)?.sigAlg;
      return { rc: 0, response: attest ? json({ attest: comparable(parseAttest(attest), plainHeader), sigAlg }) : json(r) };
    } catch (e) {
      if (e instanceof TpmResponseError) return { rc: e.rc, response: '' };
      throw e;
    }
  }
  /** One command to both, with arguments built per side (handles differ); outcomes must be equal. */
  async function step<S extends CommandSpec>(label: string, spec: S, args: (h: Record<string, number>, client: TpmClient) => RunArgs<S>, plainHeader = true): Promise<Outcome> {
    const [a, b] = [await run(theirs, spec, args(handles.get(theirs)!, theirs), plainHeader), await run(ours, spec, args(handles.get(ours)!, ours), plainHeader)];
    expect(`0x${b.rc.toString(16)} ${b.response}`, label).to.equal(`0x${a.rc.toString(16)} ${a.response}`);
    return a;
  }
  async function keys(entries: Record<string, [number, TpmtPublic]>): Promise<void> {
    for (const client of [theirs, ours]) {
      const h = handles.get(client)!;
      for (const [name, [hierarchy, inPublic]] of Object.entries(entries)) {
        const r = await client.run(CreatePrimary, { handles: { primaryHandle: hierarchy }, params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic, outsideInfo: Buffer.from(name), creationPCR: [] }, auth: [pw()] });
        h[name] = r.handle;
        if (name === 'owner') creation.set(client, { creationHash: r.creationHash, creationTicket: r.creationTicket });
      }
    }
  }
  /** A hash sequence object on each side, as 'seq'. */
  async function sequence(): Promise<void> {
    for (const client of [theirs, ours]) handles.get(client)!.seq = (await client.run(HashSequenceStart, { params: { auth: Buffer.alloc(0), hashAlg: SHA256 } })).handle;
  }
  async function flush(name: string): Promise<void> {
    for (const client of [theirs, ours]) await client.run(FlushContext, { params: { flushHandle: handles.get(client)![name]! } });
  }
  async function cycle(shutdownType: number | null): Promise<void> {
    if (shutdownType !== null) await step('Shutdown', Shutdown, () => ({ params: { shutdownType } }));
    await sides.init();
    expect((await step('Startup', Startup, () => ({ params: { startupType: TPM_SU.CLEAR } }))).rc).to.equal(0);
  }

  beforeEach(async function () {
    requireTools(this, ['swtpm'], DEBIAN_TOOLS);
    sides = await SideBySide.connect('attestation differential');
    [theirs, ours] = sides.clients;
    handles.set(theirs, {}).set(ours, {});
    await step('Startup', Startup, () => ({ params: { startupType: TPM_SU.CLEAR } }));
    await keys({ ek: [ENDORSEMENT, ecc(AK)], owner: [OWNER, ecc(SIGN, scheme(NULL))] });
  });
  afterEach(async () => sides?.stop());

  const SEL: { hash: number; pcrSelect: Buffer }[] = [{ hash: SHA256, pcrSelect: Buffer.from([0x01, 0x00, 0x01]) }];
  const quote = (signer: string, inScheme: Scheme = scheme(NULL), PCRselect = SEL, qualifyingData = Buffer.from('nonce')) => (h: Record<string, number>) =>
    ({ handles: { signHandle: h[signer] ?? RH_NULL }, params: { qualifyingData, inScheme, PCRselect }, auth: [pw()] });

  it('Quote: PCR digests, selections, plain counters of endorsement keys, scheme and key errors', async () => {
    await step('PCR_Extend 16', PCR_Extend, () => ({ handles: { pcrHandle: 16 }, params: { digests: [{ hashAlg: SHA256, digest: Buffer.alloc(32, 7) }] }, auth: [pw()] }));
    await step('quote by the EK-like key', Quote, quote('ek'));
    await step('quote SHA-1 and SHA-384 banks', Quote, quote('ek', scheme(NULL), [{ hash: SHA1, pcrSelect: Buffer.from([1, 0, 0]) }, { hash: SHA384, pcrSelect: Buffer.from([0, 0, 0x80]) }]));
    await step('quote, empty selection', Quote, quote('ek', scheme(NULL), []));
    await step('quote, 66 octets of qualifying data (sizeof(TPMT_HA))', Quote, quote('ek', scheme(NULL), [], Buffer.alloc(66, 1)));
    await step('quote, 67 octets of qualifying data', Quote, quote('ek', scheme(NULL), [], Buffer.alloc(67, 1)));
    await step('quote with TPM_RH_NULL', Quote, quote('none'));
    await step('quote with TPM_RH_NULL and a scheme', Quote, quote('none', scheme(ECDSA)));
    await step('quote: another hash than the key scheme', Quote, quote('ek', scheme(ECDSA, SHA384)));
    await step('quote: RSASSA with an ECC key', Quote, quote('ek', scheme(RSASSA)));
    await step('quote: a key without a scheme, none given', Quote, quote('owner'));
    await step('quote: owner key (obfuscated header)', Quote, quote('owner', scheme(ECDSA)), false);
    await step('quote: ECSCHNORR', Quote, quote('owner', scheme(ECSCHNORR)), false);
    await step('quote: ECDAA without a commit', Quote, quote('owner', scheme(ECDAA)), false);
    await keys({ aes: [OWNER, aes()] });
    await step('quote with a symmetric key', Quote, quote('aes'));
    await flush('aes');
    await sequence();
    await step('quote with a hash sequence', Quote, quote('seq'));
  });

  it('Certify and CertifyCreation: Names, tickets, HMAC signers, errors', async () => {
    const certify = (object: string, signer: string, inScheme: Scheme = scheme(NULL)) => (h: Record<string, number>) =>
      ({ handles: { objectHandle: h[object]!, signHandle: h[signer] ?? RH_NULL }, params: { qualifyingData: Buffer.from('q'), inScheme }, auth: [pw(), pw()] });
    await step('certify owner key by the EK-like key', Certify, certify('owner', 'ek'));
    await step('certify unsigned', Certify, certify('owner', 'none', scheme(ECDSA)), false);
    await step('certify itself, ECDSA', Certify, certify('owner', 'owner', scheme(ECDSA)), false);
    await step('certify itself, no scheme', Certify, certify('owner', 'owner'), false);
    await step('certify itself, ECDAA', Certify, certify('owner', 'owner', scheme(ECDAA)), false);
    await step('certify itself, HMAC scheme', Certify, certify('owner', 'owner', scheme(HMAC)), false);
    const cc = (signer: string, object: string, o: { hash?: Buffer; hierarchy?: number; inScheme?: Scheme } = {}) => (h: Record<string, number>, client: TpmClient) => {
      const { creationHash, creationTicket } = creation.get(client)!;
      return {
        handles: { signHandle: h[signer] ?? RH_NULL, objectHandle: h[object]! },
        params: { qualifyingData: Buffer.alloc(0), creationHash: o.hash ?? creationHash, inScheme: o.inScheme ?? scheme(NULL), creationTicket: { ...creationTicket, hierarchy: o.hierarchy ?? creationTicket.hierarchy } },
        auth: [pw()],
      };
    };
    await step('certifycreation', CertifyCreation, cc('ek', 'owner'));
    await step('certifycreation unsigned', CertifyCreation, cc('none', 'owner'), false);
    await step('certifycreation: another creationHash', CertifyCreation, cc('ek', 'owner', { hash: Buffer.alloc(32) }));
    await step('certifycreation: another hierarchy', CertifyCreation, cc('ek', 'owner', { hierarchy: ENDORSEMENT }));
    await step('certifycreation: not a hierarchy', CertifyCreation, cc('ek', 'owner', { hierarchy: 0x40000002 }));
    await step('certifycreation: another object', CertifyCreation, cc('owner', 'ek', { inScheme: scheme(ECDSA) }), false);
    await step('certifycreation: bad scheme before bad ticket', CertifyCreation, cc('ek', 'owner', { hash: Buffer.alloc(32), inScheme: scheme(RSASSA) }));
    await flush('owner');
    await keys({ hmac: [OWNER, keyedHash()] });
    await step('certify by an HMAC key', Certify, certify('ek', 'hmac'), false);
    await flush('hmac');
    await keys({ aes: [OWNER, aes()] });
    await step('certify by a symmetric key', Certify, certify('ek', 'aes'));
    await step('certify a symmetric key', Certify, certify('aes', 'ek'));
    await flush('aes');
    await sequence();
    await step('certify a hash sequence (empty Names)', Certify, certify('seq', 'ek'));
    await step('certifycreation of a hash sequence', CertifyCreation, cc('ek', 'seq'));
  });

  it('GetTime and NV_Certify: ranges, the digest form, access and range errors', async () => {
    const getTime = (signer: string, inScheme: Scheme = scheme(NULL)) => (h: Record<string, number>) =>
      ({ handles: { privacyAdminHandle: ENDORSEMENT, signHandle: h[signer] ?? RH_NULL }, params: { qualifyingData: Buffer.from('t'), inScheme }, auth: [pw(), pw()] });
    await step('gettime', GetTime, getTime('ek'));
    await step('gettime unsigned', GetTime, getTime('none'), false);
    await step('gettime: bad scheme', GetTime, getTime('ek', scheme(RSASSA)));
    const INDEX = 0x01000010;
    const BIG = 0x01000011;
    const attributes = TPMA_NV.OWNERREAD | TPMA_NV.OWNERWRITE | TPMA_NV.AUTHREAD | TPMA_NV.AUTHWRITE | TPMA_NV.NO_DA;
    for (const [nvIndex, dataSize] of [[INDEX, 16], [BIG, 1100]] as const) {
      await step(`define ${dataSize}`, NV_DefineSpace, () => ({ handles: { authHandle: OWNER }, params: { auth: Buffer.alloc(0), publicInfo: { nvIndex, nameAlg: SHA256, attributes, authPolicy: Buffer.alloc(0), dataSize } }, auth: [pw()] }));
    }
    const nvCertify = (signer: string, authHandle: number, size: number, offset: number, o: { inScheme?: Scheme; nvIndex?: number } = {}) => (h: Record<string, number>) =>
      ({ handles: { signHandle: h[signer] ?? RH_NULL, authHandle, nvIndex: o.nvIndex ?? INDEX }, params: { qualifyingData: Buffer.alloc(0), inScheme: o.inScheme ?? scheme(NULL), size, offset }, auth: [pw(), pw()] });
    await step('nvcertify unwritten', NV_Certify, nvCertify('ek', OWNER, 4, 0));
    await step('write', NV_Write, () => ({ handles: { authHandle: INDEX, nvIndex: INDEX }, params: { data: Buffer.from('0123456789abcdef'), offset: 0 }, auth: [pw()] }));
    await step('write big', NV_Write, () => ({ handles: { authHandle: OWNER, nvIndex: BIG }, params: { data: Buffer.alloc(1024, 1), offset: 0 }, auth: [pw()] }));
    await step('write big tail', NV_Write, () => ({ handles: { authHandle: OWNER, nvIndex: BIG }, params: { data: Buffer.alloc(76, 2), offset: 1024 }, auth: [pw()] }));
    for (const [size, offset] of [[4, 2], [16, 0], [0, 0], [0, 4], [0, 16], [0, 17], [10, 10], [2000, 0]]) {
      await step(`nvcertify ${size}@${offset}`, NV_Certify, nvCertify('ek', OWNER, size!, offset!));
    }
    await step('nvcertify by the index itself', NV_Certify, nvCertify('ek', INDEX, 8, 8));
    await step('nvcertify digest, unsigned', NV_Certify, nvCertify('none', OWNER, 0, 0), false);
    await step('nvcertify by platform (no PPREAD)', NV_Certify, nvCertify('ek', 0x4000000c, 4, 0));
    await step('nvcertify bad scheme', NV_Certify, nvCertify('ek', OWNER, 40, 0, { inScheme: scheme(RSASSA) }));
    await step('nvcertify more than one NV buffer', NV_Certify, nvCertify('ek', OWNER, 1025, 0, { nvIndex: BIG }));
    await step('nvcertify digest of a large index', NV_Certify, nvCertify('ek', OWNER, 0, 0, { nvIndex: BIG }));
  });

  it('command audit: lists, hash changes, digests octet for octet, counters, restart and reset', async () => {
    const setStatus = (auditAlg: number, setList: number[], clearList: number[] = []) => () => ({ handles: { auth: OWNER }, params: { auditAlg, setList, clearList }, auth: [pw()] });
    const getDigest = (signer = 'none') => (h: Record<string, number>) =>
      ({ handles: { privacyHandle: ENDORSEMENT, signHandle: h[signer] ?? RH_NULL }, params: { qualifyingData: Buffer.alloc(0), inScheme: scheme(NULL) }, auth: [pw(), pw()] });
    const audited = () => step('audited commands', GetCapability, () => ({ params: { capability: 4, property: 0, propertyCount: 100 } }));
    const hash = (text: string) => step(`hash ${text}`, Hash, () => ({ params: { data: Buffer.from(text), hashAlg: SHA256, hierarchy: RH_NULL } }));
    const counters = () => step('audit counter', GetCapability, () => ({ params: { capability: 6, property: 0x213, propertyCount: 2 } }));
    await audited();
    await step('digest at manufacture', GetCommandAuditDigest, getDigest(), false);
    await step('a hash and a list at once', SetCommandCodeAuditStatus, setStatus(SHA256, [TPM_CC.Hash]));
    await step('audit Hash, Shutdown, an unimplemented code', SetCommandCodeAuditStatus, setStatus(NULL, [TPM_CC.Hash, TPM_CC.Shutdown, 0x1ff]));
    await audited();
    await hash('one');
    await hash('two');
    await step('digest, unsigned', GetCommandAuditDigest, getDigest(), false);
    await step('digest, signed', GetCommandAuditDigest, getDigest('ek'));
    await step('digest after the signed one', GetCommandAuditDigest, getDigest(), false);
    await hash('three');
    await counters();
    await step('switch to SHA-256', SetCommandCodeAuditStatus, setStatus(SHA256, []));
    await step('digest after the switch', GetCommandAuditDigest, getDigest(), false);
    await hash('four');
    await step('digest with SHA-256', GetCommandAuditDigest, getDigest(), false);
    await cycle(TPM_SU.STATE);
    await step('digest after a TPM Restart', GetCommandAuditDigest, getDigest(), false);
    await cycle(null);
    await step('digest after a TPM Reset', GetCommandAuditDigest, getDigest(), false);
    await counters();
    await step('clear everything', SetCommandCodeAuditStatus, setStatus(NULL, [], [TPM_CC.Hash, TPM_CC.SetCommandCodeAuditStatus]));
    await audited();
  });

  it('GetSessionAuditDigest: the session must have audited (TYPE + H3), be loaded and an HMAC session', async () => {
    const sessions = new Map<TpmClient, number>();
    for (const client of [theirs, ours]) sessions.set(client, (await startSession(client, { type: TPM_SE.HMAC })).handle);
    const digest = (sessionHandle: (client: TpmClient) => number) => (h: Record<string, number>, client: TpmClient) =>
      ({ handles: { privacyAdminHandle: ENDORSEMENT, signHandle: h.ek!, sessionHandle: sessionHandle(client) }, params: { qualifyingData: Buffer.alloc(0), inScheme: scheme(NULL) }, auth: [pw(), pw()] });
    await step('not an audit session', GetSessionAuditDigest, digest((c) => sessions.get(c)!));
    await step('no such session', GetSessionAuditDigest, digest(() => 0x02000002));
    await step('a policy session handle', GetSessionAuditDigest, digest(() => 0x03000000));
    // audit with the session, then ask: the digests differ (nonces), the rest must not
    for (const client of [theirs, ours]) {
      const s = await startSession(client, { type: TPM_SE.HMAC });
      s.attributes |= 0x80;
      await client.run(GetRandom, { params: { bytesRequested: 4 }, auth: [{ session: s }] });
      sessions.set(client, s.handle);
    }
    const [a, b] = await Promise.all([theirs, ours].map(async (client) => {
      const r = await client.run(GetSessionAuditDigest, digest((c) => sessions.get(c)!)(handles.get(client)!, client));
      const attested = parseAttest(r.auditInfo).attested as { exclusiveSession: boolean; sessionDigest: Buffer };
      return { exclusiveSession: attested.exclusiveSession, digestSize: attested.sessionDigest.length };
    }));
    expect(b).to.deep.equal(a);
  });
});
