import { expect } from 'chai';
import crypto from 'node:crypto';
import {
  Create, CreatePrimary, Duplicate, FlushContext, Import, Load, PolicyCommandCode, Rewrap, Sign, TPM_ALG, TPM_CC, TPM_RH, TPM_SE, TPMA_OBJECT, TPMS_ECC_POINT,
  duplicateToSensitive, hash, marshal, startSession, wrapForImport, type SymDef, type TpmClient, type TpmtPublic, type TpmtSensitive,
} from '@vtpm/tpm';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { SideBySide } from '../lib/sideBySide.js';

/**
 * Duplicate / Import / Rewrap: the same inputs to swtpm 0.7.1 and to vtpm, every response code
 * equal. Blobs for Import are made in software (wrapForImport) for each side's own parent, then
 * broken the same way on both sides. VTPM_REF_SWTPM_PORT pins swtpm's port pair.
 */

const PW = [{ password: '' }];
const P = (n: number) => 0x40 | (n << 8);
const H = (n: number) => n << 8;
const RC = { ATTRIBUTES: 0x82, HASH: 0x83, HANDLE: 0x8b, SIZE: 0x95, TYPE: 0x8a, VALUE: 0x84, SYMMETRIC: 0x96, HIERARCHY: 0x85, INTEGRITY: 0x9f, FAILURE: 0x101, BINDING: 0xa5 } as const;
const NO_SCHEME = { scheme: TPM_ALG.NULL, details: null };
const NO_SYM: SymDef = { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 };
const AES128CFB: SymDef = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };
const { fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, decrypt, sign, noDA, encryptedDuplication } = TPMA_OBJECT;
const u32 = (v: number) => Buffer.from([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
const DUP_POLICY = hash(TPM_ALG.SHA256, Buffer.alloc(32), u32(TPM_CC.PolicyCommandCode), u32(TPM_CC.Duplicate));

function storage(type: 'rsa' | 'ecc', attrs = fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | decrypt | noDA): TpmtPublic {
  const base = { nameAlg: TPM_ALG.SHA256, objectAttributes: attrs, authPolicy: Buffer.alloc(0) };
  return type === 'rsa'
    ? { ...base, type: TPM_ALG.RSA, parameters: { symmetric: AES128CFB, scheme: NO_SCHEME, keyBits: 2048, exponent: 0 }, unique: Buffer.alloc(0) }
    : { ...base, type: TPM_ALG.ECC, parameters: { symmetric: AES128CFB, scheme: NO_SCHEME, curveID: 3, kdf: NO_SCHEME }, unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) } };
}
function signer(attrs = sensitiveDataOrigin | userWithAuth | sign | noDA, authPolicy = DUP_POLICY, unique = { x: Buffer.alloc(0), y: Buffer.alloc(0) }): TpmtPublic {
  return {
    type: TPM_ALG.ECC,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: attrs,
    authPolicy,
    parameters: { symmetric: NO_SYM, scheme: { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } }, curveID: 3, kdf: NO_SCHEME },
    unique,
  };
}
/** A software ECC key as the public and sensitive areas Import takes. */
function softwareKey(attrs = userWithAuth | sign | noDA): { pub: TpmtPublic; sensitive: TpmtSensitive } {
  const jwk = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const b = (s?: string) => Buffer.from(s!, 'base64url');
  return {
    pub: signer(attrs, Buffer.alloc(0), { x: b(jwk.x), y: b(jwk.y) }),
    sensitive: { sensitiveType: TPM_ALG.ECC, authValue: Buffer.from('pw'), seedValue: Buffer.alloc(0), sensitive: b(jwk.d) },
  };
}

/** The ECC scalar gives the public point of `pub` (node:crypto). */
function eccScalarGives(d: Buffer, pub: TpmtPublic): boolean {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const q = pub.unique as { x: Buffer; y: Buffer };
  return ecdh.getPublicKey().equals(Buffer.concat([Buffer.from([4]), q.x, q.y]));
}

type Key = { handle: number; pub: TpmtPublic; name: Buffer; priv?: Buffer };
const primary = (c: TpmClient, template: TpmtPublic) =>
  c.run(CreatePrimary, { handles: { primaryHandle: TPM_RH.OWNER }, auth: PW, params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] } })
    .then((r): Key => ({ handle: r.handle, pub: r.outPublic, name: r.name }));
async function loaded(c: TpmClient, parent: number, template: TpmtPublic): Promise<Key> {
  const r = await c.run(Create, { handles: { parentHandle: parent }, auth: PW, params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] } });
  const l = await c.run(Load, { handles: { parentHandle: parent }, auth: PW, params: { inPrivate: r.outPrivate, inPublic: r.outPublic } });
  return { handle: l.handle, pub: r.outPublic, name: l.name, priv: r.outPrivate };
}
const flush = (c: TpmClient, h: number) => c.run(FlushContext, { params: { flushHandle: h } });
const flipped = (b: Buffer, i: number) => {
  const c = Buffer.from(b);
  c[i < 0 ? c.length + i : i]! ^= 0x01;
  return c;
};

/** Duplicate under a policy session with PolicyCommandCode(`code`) (none: an empty policy); the session is flushed after. */
async function duplicate(c: TpmClient, objectHandle: number, newParentHandle: number, o: { key?: Buffer; sym?: SymDef; code?: number | null } = {}) {
  const s = await startSession(c, { type: TPM_SE.POLICY });
  try {
    if (o.code !== null) await c.run(PolicyCommandCode, { handles: { policySession: s.handle }, params: { code: o.code ?? TPM_CC.Duplicate } });
    return await c.run(Duplicate, { handles: { objectHandle, newParentHandle }, auth: [{ session: s }], params: { encryptionKeyIn: o.key ?? Buffer.alloc(0), symmetricAlg: o.sym ?? NO_SYM } });
  } finally {
    await flush(c, s.handle).catch(() => undefined);
  }
}
type ImportArgs = { duplicate: Buffer; inSymSeed: Buffer; pub: TpmtPublic; key?: Buffer; sym?: SymDef };
const importBlob = (c: TpmClient, parentHandle: number, a: ImportArgs) =>
  c.run(Import, { handles: { parentHandle }, auth: PW, params: { encryptionKey: a.key ?? Buffer.alloc(0), objectPublic: a.pub, duplicate: a.duplicate, inSymSeed: a.inSymSeed, symmetricAlg: a.sym ?? NO_SYM } });

describe('duplication: the same inputs to swtpm and to vtpm give the same answers', function () {
  this.timeout(120000);
  let sides: SideBySide;
  let srk: readonly [Key, Key];

  before(async function () {
    requireTools(this, ['swtpm'], DEBIAN_TOOLS);
    sides = await SideBySide.start('duplication differential');
  });
  beforeEach(async () => {
    srk = await sides.ok('SRK', (c) => primary(c, storage('rsa')));
  });
  afterEach(async () => sides?.flushTransients());
  after(async () => sides?.stop());

  it('Duplicate: wrappers, returned keys, policy and attribute checks', async () => {
    const key = await sides.ok('duplicable key', (c, s) => loaded(c, srk[s].handle, signer()));
    const dup = (label: string, expected: number | null, newParent: (s: 0 | 1) => number, o: Parameters<typeof duplicate>[3] = {}) =>
      expected === null ? sides.rc(label, (c, s) => duplicate(c, key[s].handle, newParent(s), o)) : sides.expectRc(label, expected, (c, s) => duplicate(c, key[s].handle, newParent(s), o));
    const toNull = () => TPM_RH.NULL;
    const toSrk = (s: 0 | 1) => srk[s].handle;
    // Each side's blob is read with vtpm's own unwrapping code: the private scalar must give the key's public point.
    const opens = (s: 0 | 1, blob: Buffer, inner: Buffer | null) => {
      const sensitive = duplicateToSensitive(blob, key[s].name, TPM_ALG.SHA256, null, inner && { keyBits: 128, key: inner });
      expect(eccScalarGives(sensitive.sensitive, key[s].pub), `side ${s}`).to.equal(true);
    };
    const plain = await sides.ok('to NULL without wrappers', (c, s) => duplicate(c, key[s].handle, TPM_RH.NULL));
    for (const s of [0, 1] as const) {
      expect([plain[s].outSymSeed.length, plain[s].encryptionKeyOut.length]).to.deep.equal([0, 0]);
      opens(s, plain[s].duplicate, null);
    }
    const drawn = await sides.ok('to NULL, inner key drawn by the TPM', (c, s) => duplicate(c, key[s].handle, TPM_RH.NULL, { sym: AES128CFB }));
    for (const s of [0, 1] as const) {
      expect(drawn[s].encryptionKeyOut.length).to.equal(16);
      opens(s, drawn[s].duplicate, drawn[s].encryptionKeyOut);
    }
    const given = await sides.ok('to the SRK, caller inner key', (c, s) => duplicate(c, key[s].handle, srk[s].handle, { sym: AES128CFB, key: Buffer.alloc(16, 3) }));
    for (const s of [0, 1] as const) expect([given[s].encryptionKeyOut.length, given[s].outSymSeed.length]).to.deep.equal([0, 256]);
    await dup('AES-256 inner', 0, toSrk, { sym: { ...AES128CFB, keyBits: 256 } });
    await dup('AES-128 CTR inner (the inner mode is CFB whatever symmetricAlg says)', null, toNull, { sym: { ...AES128CFB, mode: TPM_ALG.CTR } });
    await dup('AES-128 with mode NULL', null, toNull, { sym: { ...AES128CFB, mode: TPM_ALG.NULL } });
    await dup('new parent is not a storage key', RC.TYPE | H(2), (s) => key[s].handle);
    await dup('encryptionKeyIn without symmetricAlg', RC.SIZE | P(1), toNull, { key: Buffer.alloc(16) });
    await dup('encryptionKeyIn of the wrong size', RC.SIZE | P(1), toNull, { key: Buffer.alloc(15), sym: AES128CFB });
    await dup('policy without PolicyCommandCode', null, toNull, { code: null });
    await dup('PolicyCommandCode(Import)', null, toNull, { code: TPM_CC.Import });
    for (const s of [0, 1] as const) await flush(sides.clients[s], key[s].handle);

    const fixed = await sides.ok('fixedParent key', (c, s) => loaded(c, srk[s].handle, signer(fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | sign | noDA)));
    await sides.expectRc('fixedParent object', RC.ATTRIBUTES | H(1), (c, s) => duplicate(c, fixed[s].handle, TPM_RH.NULL));
    for (const s of [0, 1] as const) await flush(sides.clients[s], fixed[s].handle);

    const encParent = await sides.ok('encryptedDuplication parent', (c, s) => loaded(c, srk[s].handle, storage('ecc', sensitiveDataOrigin | userWithAuth | restricted | decrypt | noDA | encryptedDuplication)));
    const enc = await sides.ok('encryptedDuplication key', (c, s) => loaded(c, encParent[s].handle, signer(sensitiveDataOrigin | userWithAuth | sign | noDA | encryptedDuplication)));
    await sides.expectRc('encryptedDuplication without an inner wrapper', RC.SYMMETRIC | P(2), (c, s) => duplicate(c, enc[s].handle, srk[s].handle));
    await sides.expectRc('encryptedDuplication to NULL', RC.HIERARCHY | H(2), (c, s) => duplicate(c, enc[s].handle, TPM_RH.NULL, { sym: AES128CFB }));
    await sides.ok('encryptedDuplication with both wrappers', (c, s) => duplicate(c, enc[s].handle, srk[s].handle, { sym: AES128CFB }));
  });

  it('Import: good blobs of every shape, and each check', async () => {
    const k = softwareKey();
    const innerKey = Buffer.alloc(16, 0x11);
    const inner = { keyBits: 128, key: innerKey };
    const blobs = (pub: TpmtPublic, sensitive: TpmtSensitive, withOuter: boolean, withInner: boolean) =>
      [0, 1].map((s) => wrapForImport(withOuter ? srk[s]!.pub : null, pub, sensitive, withInner ? inner : null)) as [{ duplicate: Buffer; inSymSeed: Buffer }, { duplicate: Buffer; inSymSeed: Buffer }];
    const both = blobs(k.pub, k.sensitive, true, true);
    const good = (s: 0 | 1): ImportArgs => ({ ...both[s], pub: k.pub, key: innerKey, sym: AES128CFB });
    const imp = (label: string, expected: number | null, args: (s: 0 | 1) => ImportArgs, parent: (s: 0 | 1) => number = (s) => srk[s].handle) =>
      expected === null ? sides.rc(label, (c, s) => importBlob(c, parent(s), args(s))) : sides.expectRc(label, expected, (c, s) => importBlob(c, parent(s), args(s)));

    await sides.ok('inner and outer wrapper', (c, s) => importBlob(c, srk[s].handle, good(s)));
    const outerOnly = blobs(k.pub, k.sensitive, true, false);
    await imp('outer wrapper only', 0, (s) => ({ ...outerOnly[s], pub: k.pub }));
    const innerOnly = blobs(k.pub, k.sensitive, false, true);
    await imp('inner wrapper only', 0, (s) => ({ ...innerOnly[s], pub: k.pub, key: innerKey, sym: AES128CFB }));
    const bare = blobs(k.pub, k.sensitive, false, false);
    await imp('no wrapper', 0, (s) => ({ ...bare[s], pub: k.pub }));

    await imp('fixedTPM object', RC.ATTRIBUTES | P(2), (s) => ({ ...good(s), pub: { ...k.pub, objectAttributes: k.pub.objectAttributes | fixedTPM } }));
    await imp('fixedParent object', RC.ATTRIBUTES | P(2), (s) => ({ ...good(s), pub: { ...k.pub, objectAttributes: k.pub.objectAttributes | fixedParent } }));
    await imp('nameAlg NULL', null, (s) => ({ ...good(s), pub: { ...k.pub, nameAlg: TPM_ALG.NULL } }));
    await imp('encryptionKey of the wrong size', RC.SIZE | P(1), (s) => ({ ...good(s), key: Buffer.alloc(15) }));
    await imp('encryptionKey without symmetricAlg', RC.SIZE | P(1), (s) => ({ ...good(s), sym: NO_SYM }));
    const encDup = { ...k.pub, objectAttributes: k.pub.objectAttributes | encryptedDuplication };
    await imp('encryptedDuplication without an inner wrapper', RC.ATTRIBUTES | P(1), (s) => ({ ...outerOnly[s], pub: encDup }));
    await imp('encryptedDuplication without an outer wrapper', RC.ATTRIBUTES | P(4), (s) => ({ ...innerOnly[s], pub: encDup, key: innerKey, sym: AES128CFB }));
    await imp('inSymSeed octet flipped', null, (s) => ({ ...good(s), inSymSeed: flipped(good(s).inSymSeed, 17) }));
    await imp('inSymSeed one octet short', null, (s) => ({ ...good(s), inSymSeed: good(s).inSymSeed.subarray(1) }));
    for (const i of [1, 2, 30, 40, -1]) await imp(`duplicate octet ${i} flipped`, null, (s) => ({ ...good(s), duplicate: flipped(good(s).duplicate, i) }));
    await imp('duplicate of one octet', null, (s) => ({ ...good(s), duplicate: good(s).duplicate.subarray(0, 1) }));
    await imp('empty duplicate', null, (s) => ({ ...good(s), duplicate: Buffer.alloc(0) }));
    await imp('wrong inner key', null, (s) => ({ ...good(s), key: Buffer.alloc(16) }));
    await imp('inner wrapper not declared', null, (s) => ({ ...good(s), key: Buffer.alloc(0), sym: NO_SYM }));
    await imp('inner wrapper declared but absent', null, (s) => ({ ...outerOnly[s], pub: k.pub, key: innerKey, sym: AES128CFB }));
    await imp('blob made for another public area', null, (s) => ({ ...good(s), pub: { ...k.pub, authPolicy: Buffer.alloc(32) } }));
    await imp('TPM2B_SENSITIVE size off by one', null, (s) => ({ ...bare[s], duplicate: Buffer.concat([Buffer.from([0, bare[s].duplicate.readUInt16BE(0) + 1]), bare[s].duplicate.subarray(2)]), pub: k.pub }));
    await imp('trailing octet after the sensitive area', null, (s) => ({ ...bare[s], duplicate: Buffer.concat([bare[s].duplicate, Buffer.alloc(1)]), pub: k.pub }));

    // validated as Load would under the fixedTPM SRK
    const other = softwareKey();
    const wrong = (sensitive: TpmtSensitive, pub = k.pub) => blobs(pub, sensitive, false, false);
    const check = async (label: string, sensitive: TpmtSensitive, pub = k.pub) => {
      const b = wrong(sensitive, pub);
      await imp(label, null, (s) => ({ ...b[s], pub }));
    };
    await check('private scalar of another key', other.sensitive);
    await check('private scalar zero', { ...k.sensitive, sensitive: Buffer.alloc(32) });
    await check('authValue longer than the digest', { ...k.sensitive, authValue: Buffer.alloc(33, 1) });
    await check('seedValue longer than the digest', { ...k.sensitive, seedValue: Buffer.alloc(33, 1) });
    await check('sensitive of another type', { ...k.sensitive, sensitiveType: TPM_ALG.KEYEDHASH });
    await check('unrestricted decrypt with a restricted-decrypt-sized seed missing', k.sensitive, { ...k.pub, objectAttributes: userWithAuth | decrypt | noDA, parameters: { ...k.pub.parameters, scheme: NO_SCHEME } });

    const signingKey = await sides.ok('signing key as parent', (c, s) => loaded(c, srk[s].handle, signer()));
    await imp('parent is a signing key', RC.TYPE | H(1), good, (s) => signingKey[s].handle);
  });

  it('Import under an ECC parent: bad ephemeral points', async () => {
    for (const s of [0, 1] as const) await flush(sides.clients[s], srk[s].handle);
    const eccSrk = await sides.ok('ECC SRK', (c) => primary(c, storage('ecc')));
    const k = softwareKey();
    const blob = [0, 1].map((s) => wrapForImport(eccSrk[s]!.pub, k.pub, k.sensitive)) as { duplicate: Buffer; inSymSeed: Buffer }[];
    const imp = (label: string, seed: (s: 0 | 1) => Buffer) => sides.rc(label, (c, s) => importBlob(c, eccSrk[s].handle, { duplicate: blob[s]!.duplicate, inSymSeed: seed(s), pub: k.pub }));
    await imp('good', (s) => blob[s]!.inSymSeed);
    await imp('point off the curve', (s) => flipped(blob[s]!.inSymSeed, -1));
    await imp('empty coordinates', () => marshal(TPMS_ECC_POINT, { x: Buffer.alloc(0), y: Buffer.alloc(0) }));
    await imp('trailing octets after the point', (s) => Buffer.concat([blob[s]!.inSymSeed, Buffer.alloc(3)]));
    await imp('x only', (s) => blob[s]!.inSymSeed.subarray(0, 34));
  });

  it('Rewrap: NULL and key parents on both ends, and each check', async () => {
    const k = softwareKey();
    const forSrk = [0, 1].map((s) => wrapForImport(srk[s]!.pub, k.pub, k.sensitive)) as { duplicate: Buffer; inSymSeed: Buffer }[];
    const name = hash(TPM_ALG.SHA256, marshal((await import('@vtpm/tpm')).TPMT_PUBLIC, k.pub));
    const objectName = Buffer.concat([Buffer.from([0, 0x0b]), name]);
    const rewrap = (oldParent: (s: 0 | 1) => number, newParent: (s: 0 | 1) => number, inDuplicate: (s: 0 | 1) => Buffer, inSymSeed: (s: 0 | 1) => Buffer, n = objectName) => (c: TpmClient, s: 0 | 1) =>
      c.run(Rewrap, { handles: { oldParent: oldParent(s), newParent: newParent(s) }, auth: PW, params: { inDuplicate: inDuplicate(s), name: n, inSymSeed: inSymSeed(s) } });
    const NULL = () => TPM_RH.NULL;
    const SRK = (s: 0 | 1) => srk[s].handle;
    const dupOf = (s: 0 | 1) => forSrk[s]!.duplicate;
    const seedOf = (s: 0 | 1) => forSrk[s]!.inSymSeed;
    const none = () => Buffer.alloc(0);
    const [bareA, bareB] = await sides.ok('SRK -> NULL', rewrap(SRK, NULL, dupOf, seedOf));
    expect(bareB.outDuplicate.length).to.equal(bareA.outDuplicate.length);
    const [againA, againB] = await sides.ok('NULL -> NULL copies', rewrap(NULL, NULL, () => Buffer.from('opaque'), none));
    expect(againA.outDuplicate.toString()).to.equal('opaque');
    expect(againB.outDuplicate.toString()).to.equal('opaque');
    const [wrappedA, wrappedB] = await sides.ok('NULL -> SRK', rewrap(NULL, SRK, (s) => [bareA, bareB][s]!.outDuplicate, none));
    const wrapped = [wrappedA, wrappedB] as const;
    await sides.ok('the rewrapped blob imports', (c, s) => importBlob(c, srk[s].handle, { duplicate: wrapped[s].outDuplicate, inSymSeed: wrapped[s].outSymSeed, pub: k.pub }));
    await sides.expectRc('NULL old parent with a seed', RC.HANDLE | H(1), rewrap(NULL, NULL, dupOf, seedOf));
    await sides.expectRc('old parent without a seed', RC.HANDLE | H(1), rewrap(SRK, NULL, dupOf, none));
    await sides.expectRc('seed octet flipped', RC.VALUE | P(3), rewrap(SRK, NULL, dupOf, (s) => flipped(seedOf(s), 20)));
    await sides.expectRc('blob octet flipped', RC.INTEGRITY | P(1), rewrap(SRK, NULL, (s) => flipped(dupOf(s), 40), seedOf));
    await sides.expectRc('another name', RC.INTEGRITY | P(1), rewrap(SRK, NULL, dupOf, seedOf, flipped(objectName, 5)));
    await sides.rc('blob of one octet', rewrap(SRK, NULL, (s) => dupOf(s).subarray(0, 1), seedOf));
    const signingKey = await sides.ok('signing key', (c, s) => loaded(c, srk[s].handle, signer()));
    await sides.expectRc('old parent a signing key', RC.TYPE | H(1), rewrap((s) => signingKey[s].handle, NULL, dupOf, seedOf));
    await sides.expectRc('new parent a signing key', RC.TYPE | H(2), rewrap(NULL, (s) => signingKey[s].handle, dupOf, none));
  });

  it('a key duplicated by one TPM imports into the other and signs (both directions)', async () => {
    const key = await sides.ok('duplicable key', (c, s) => loaded(c, srk[s].handle, signer()));
    // the new parent is the other TPM's SRK, loaded public-only
    const { LoadExternal } = await import('@vtpm/tpm');
    const otherSrk = await sides.ok('other SRK public', (c, s) => c.run(LoadExternal, { params: { inPrivate: null, inPublic: srk[(1 - s) as 0 | 1].pub, hierarchy: TPM_RH.OWNER } }));
    const dups = await sides.ok('duplicate to the other TPM', (c, s) => duplicate(c, key[s].handle, otherSrk[s].handle, { sym: AES128CFB }));
    for (const s of [0, 1] as const) await flush(sides.clients[s], otherSrk[s].handle);
    const imported = await sides.ok('import the other TPM\'s duplicate', (c, s) => {
      const d = dups[(1 - s) as 0 | 1];
      return importBlob(c, srk[s].handle, { duplicate: d.duplicate, inSymSeed: d.outSymSeed, pub: key[(1 - s) as 0 | 1].pub, key: d.encryptionKeyOut, sym: AES128CFB });
    });
    for (const s of [0, 1] as const) await flush(sides.clients[s], key[s].handle);
    const digest = crypto.createHash('sha256').update('moved between TPMs').digest();
    await sides.ok('load and sign', async (c, s) => {
      const pub = key[(1 - s) as 0 | 1].pub;
      const l = await c.run(Load, { handles: { parentHandle: srk[s].handle }, auth: PW, params: { inPrivate: imported[s].outPrivate, inPublic: pub } });
      const sig = await c.run(Sign, { handles: { keyHandle: l.handle }, auth: PW, params: { digest, inScheme: { scheme: TPM_ALG.NULL, details: null }, validation: { tag: 0x8024, hierarchy: TPM_RH.NULL, digest: Buffer.alloc(0) } } });
      await flush(c, l.handle);
      const { signatureR, signatureS } = sig.signature.signature as { signatureR: Buffer; signatureS: Buffer };
      const q = pub.unique as { x: Buffer; y: Buffer };
      const jwk = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: q.x.toString('base64url'), y: q.y.toString('base64url') }, format: 'jwk' });
      expect(crypto.verify('sha256', Buffer.from('moved between TPMs'), { key: jwk, dsaEncoding: 'ieee-p1363' }, Buffer.concat([signatureR, signatureS]))).to.equal(true);
    });
  });
});
