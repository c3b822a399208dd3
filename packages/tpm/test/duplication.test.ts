import { expect } from 'chai';
import crypto from 'node:crypto';
import {
  DUPLICATE_LABEL, Duplicate, Import, Load, LoadExternal, PolicyCommandCode, PolicyDuplicationSelect, Rewrap, Sign, TPM_ALG, TPM_CC, TPM_RC, TPM_RH, TPM_SE,
  TPMA_OBJECT, TPMT_PUBLIC, TPMT_SENSITIVE, TpmError, duplicateToSensitive, hash, marshal, secretDecrypt, seededProtection, sensitiveToDuplicate, startSession,
  unmarshal, wrapForImport, type EccPoint, type SymDef, type TpmClient, type TpmtPublic, type TpmtSensitive,
} from '../src/index.js';
import { child, flush, hex, importVectorKey, primary, privatePart, signingTemplate, vectorKey } from './credentialTestKit.js';
import { eccStorageTemplate, rsaStorageTemplate } from './kit/keys.js';
import { rcOf } from './kit/responseCodes.js';
import { PW, startTpm } from './kit/startedTpm.js';
import { CREDENTIAL_VECTORS as V } from './vectors/credentialVectors.js';

const P = (n: number) => 0x40 | (n << 8);
const H = (n: number) => n << 8;
const S = (n: number) => 0x800 | (n << 8);
const D = V.duplication;
const objectPublic = unmarshal(TPMT_PUBLIC, hex(D.objectPublic)) as TpmtPublic;
const objectSensitive = unmarshal(TPMT_SENSITIVE, hex(D.sensitive)) as TpmtSensitive;
const AES128CFB: SymDef = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };
const NO_SYM: SymDef = { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 };
const u32 = (v: number) => Buffer.from([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
/** PolicyCommandCode(Duplicate) from the empty SHA-256 policy (Part 3, 23.11). */
const DUP_POLICY = hash(TPM_ALG.SHA256, Buffer.alloc(32), u32(TPM_CC.PolicyCommandCode), u32(TPM_CC.Duplicate));
/** PolicyDuplicationSelect(newParentName, includeObject NO) from the empty SHA-256 policy (Part 3, 23.15). */
const selectPolicy = (newParentName: Buffer) => hash(TPM_ALG.SHA256, Buffer.alloc(32), u32(TPM_CC.PolicyDuplicationSelect), newParentName, Buffer.from([0]));

/** True when the ECC scalar of `sensitive` gives the public point of `pub` (checked by node:crypto). */
function eccPairMatches(pub: TpmtPublic, sensitive: TpmtSensitive): boolean {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.setPrivateKey(sensitive.sensitive);
  const q = pub.unique as EccPoint;
  return ecdh.getPublicKey().equals(Buffer.concat([Buffer.from([4]), q.x, q.y]));
}

describe('duplication blobs (Part 1, 23.3.2): known answers from tpm2-pytss wrap/unwrap', () => {
  const name = hex(D.name);
  for (const kind of ['rsa', 'ecc'] as const) {
    for (const wrapper of ['inner', 'outerOnly'] as const) {
      const vec = D[`${kind}_${wrapper}`];
      const inner = wrapper === 'inner' ? { keyBits: 128, key: hex(D.innerKey) } : null;
      it(`${kind} parent, ${wrapper === 'inner' ? 'inner AES-128-CFB + outer' : 'outer only'}: seed ("DUPLICATE"), blob byte for byte, and back`, () => {
        const { pub } = vectorKey(kind);
        expect(secretDecrypt(pub, privatePart(kind), DUPLICATE_LABEL, hex(vec.inSymSeed)).toString('hex')).to.equal(vec.seed);
        const outer = seededProtection(pub, hex(vec.seed));
        expect(sensitiveToDuplicate(objectSensitive, name, TPM_ALG.SHA256, outer, inner).toString('hex')).to.equal(vec.duplicate);
        expect(marshal(TPMT_SENSITIVE, duplicateToSensitive(hex(vec.duplicate), name, TPM_ALG.SHA256, outer, inner)).toString('hex')).to.equal(D.sensitive);
      });
    }
  }

  it('inner integrity is H(TPM2B_SENSITIVE || name): a wrong inner key or another Name is TPM_RC_INTEGRITY', () => {
    const inner = { keyBits: 128, key: hex(D.innerKey) };
    const blob = sensitiveToDuplicate(objectSensitive, name, TPM_ALG.SHA256, null, inner);
    const rc = (f: () => unknown) => {
      try {
        f();
        return 0;
      } catch (e) {
        return (e as TpmError).rc;
      }
    };
    expect(rc(() => duplicateToSensitive(blob, name, TPM_ALG.SHA256, null, { keyBits: 128, key: Buffer.alloc(16) }))).to.be.oneOf([TPM_RC.INTEGRITY, TPM_RC.SIZE, TPM_RC.INSUFFICIENT]);
    expect(rc(() => duplicateToSensitive(blob, Buffer.concat([name.subarray(0, 33), Buffer.from([name[33]! ^ 1])]), TPM_ALG.SHA256, null, inner))).to.equal(TPM_RC.INTEGRITY);
    // without wrappers the blob is the TPM2B_SENSITIVE itself
    expect(sensitiveToDuplicate(objectSensitive, name, TPM_ALG.SHA256, null, null).subarray(2).toString('hex')).to.equal(D.sensitive);
  });
});

describe('Duplicate, Import and Rewrap (Part 3, 13)', function () {
  this.timeout(30000);
  let client: TpmClient;
  let srk: Awaited<ReturnType<typeof primary>>;

  before(async () => {
    ({ client } = await startTpm('duplication tests'));
    srk = await primary(client, rsaStorageTemplate());
  });

  const importBlob = (parentHandle: number, o: { duplicate: Buffer; inSymSeed: Buffer; key?: Buffer; sym?: SymDef; pub?: TpmtPublic }) =>
    client.run(Import, {
      handles: { parentHandle },
      auth: PW,
      params: { encryptionKey: o.key ?? Buffer.alloc(0), objectPublic: o.pub ?? objectPublic, duplicate: o.duplicate, inSymSeed: o.inSymSeed, symmetricAlg: o.sym ?? NO_SYM },
    });

  /** Imports, loads and signs with the vectors' ECC key; the signature verifies with its public key. */
  async function importAndSign(parentHandle: number, blob: { duplicate: Buffer; inSymSeed: Buffer; key?: Buffer; sym?: SymDef }) {
    const { outPrivate } = await importBlob(parentHandle, blob);
    const l = await client.run(Load, { handles: { parentHandle }, auth: PW, params: { inPrivate: outPrivate, inPublic: objectPublic } });
    expect(l.name.toString('hex')).to.equal(D.name);
    const message = Buffer.from('signed after import');
    const digest = crypto.createHash('sha256').update(message).digest();
    const sig = (await client.run(Sign, {
      handles: { keyHandle: l.handle },
      auth: [{ password: 'childpw' }],
      params: { digest, inScheme: { scheme: TPM_ALG.NULL, details: null }, validation: { tag: 0x8024, hierarchy: TPM_RH.NULL, digest: Buffer.alloc(0) } },
    })).signature.signature as { signatureR: Buffer; signatureS: Buffer };
    await flush(client, l.handle);
    const q = objectPublic.unique as EccPoint;
    const key = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: q.x.toString('base64url'), y: q.y.toString('base64url') }, format: 'jwk' });
    expect(crypto.verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, Buffer.concat([sig.signatureR, sig.signatureS]))).to.equal(true);
  }

  for (const kind of ['rsa', 'ecc'] as const) {
    it(`Import of pytss' ${kind} blobs (with and without an inner wrapper) under that parent; the key signs`, async () => {
      const parent = await importVectorKey(client, srk, kind);
      try {
        await importAndSign(parent.handle, { duplicate: hex(D[`${kind}_inner`].duplicate), inSymSeed: hex(D[`${kind}_inner`].inSymSeed), key: hex(D.innerKey), sym: AES128CFB });
        await importAndSign(parent.handle, { duplicate: hex(D[`${kind}_outerOnly`].duplicate), inSymSeed: hex(D[`${kind}_outerOnly`].inSymSeed) });
      } finally {
        await flush(client, parent.handle);
      }
    });
  }

  it('Import without an outer wrapper, under the fixedTPM SRK (validated as Load would)', async () => {
    const blob = wrapForImport(null, objectPublic, objectSensitive, { keyBits: 128, key: hex(D.innerKey) });
    expect(blob.inSymSeed.length).to.equal(0);
    await importAndSign(srk.handle, { ...blob, key: hex(D.innerKey), sym: AES128CFB });
    // a sensitive area that does not belong to the public area: BINDING, unnumbered as the reference's ObjectLoad
    const other = { ...objectSensitive, sensitive: Buffer.alloc(32, 1) };
    expect(await rcOf(importBlob(srk.handle, wrapForImport(srk.pub, objectPublic, other)))).to.equal(TPM_RC.BINDING);
  });

  it('Import errors: fixedTPM object, wrong key size, encryptedDuplication without wrappers, tampered blob, wrong inner key, bad seed, not a parent', async () => {
    const good = wrapForImport(srk.pub, objectPublic, objectSensitive, { keyBits: 128, key: hex(D.innerKey) });
    const args = { ...good, key: hex(D.innerKey), sym: AES128CFB };
    const fixed = { ...objectPublic, objectAttributes: objectPublic.objectAttributes | TPMA_OBJECT.fixedTPM | TPMA_OBJECT.fixedParent };
    expect(await rcOf(importBlob(srk.handle, { ...args, pub: fixed }))).to.equal(TPM_RC.ATTRIBUTES | P(2));
    expect(await rcOf(importBlob(srk.handle, { ...args, key: Buffer.alloc(15) }))).to.equal(TPM_RC.SIZE | P(1));
    expect(await rcOf(importBlob(srk.handle, { ...args, sym: NO_SYM }))).to.equal(TPM_RC.SIZE | P(1));
    const encDup = { ...objectPublic, objectAttributes: objectPublic.objectAttributes | TPMA_OBJECT.encryptedDuplication };
    expect(await rcOf(importBlob(srk.handle, { duplicate: good.duplicate, inSymSeed: good.inSymSeed, pub: encDup }))).to.equal(TPM_RC.ATTRIBUTES | P(1));
    expect(await rcOf(importBlob(srk.handle, { ...args, inSymSeed: Buffer.alloc(0), pub: encDup }))).to.equal(TPM_RC.ATTRIBUTES | P(4));
    const tampered = Buffer.from(good.duplicate);
    tampered[40]! ^= 0x80;
    expect(await rcOf(importBlob(srk.handle, { ...args, duplicate: tampered }))).to.equal(TPM_RC.INTEGRITY | P(3));
    expect(await rcOf(importBlob(srk.handle, { ...args, key: Buffer.alloc(16) }))).to.be.oneOf([TPM_RC.INTEGRITY | P(3), TPM_RC.SIZE | P(3), TPM_RC.INSUFFICIENT | P(3)]);
    const badSeed = Buffer.from(good.inSymSeed);
    badSeed[0]! ^= 0x01;
    expect(await rcOf(importBlob(srk.handle, { ...args, inSymSeed: badSeed }))).to.equal(TPM_RC.FAILURE); // as swtpm: OAEP failure
    const signer = await child(client, srk.handle, signingTemplate());
    expect(await rcOf(importBlob(signer.handle, args))).to.equal(TPM_RC.TYPE | H(1));
    await flush(client, signer.handle);
    expect((await importBlob(srk.handle, args)).outPrivate.length).to.be.greaterThan(0);
  });

  /** A duplicable ECC signing key under the SRK whose DUP role is authorized by `authPolicy`. */
  const duplicable = (authPolicy = DUP_POLICY, extra = 0) => child(client, srk.handle, signingTemplate({ authPolicy, extra }));
  async function dupSession(assert: (h: number) => Promise<unknown>) {
    const s = await startSession(client, { type: TPM_SE.POLICY });
    await assert(s.handle);
    return s;
  }
  const ccDuplicate = (h: number) => client.run(PolicyCommandCode, { handles: { policySession: h }, params: { code: TPM_CC.Duplicate } });
  const duplicate = async (objectHandle: number, newParentHandle: number, o: { key?: Buffer; sym?: SymDef; assert?: (h: number) => Promise<unknown> } = {}) => {
    const s = await dupSession(o.assert ?? ccDuplicate);
    try {
      return await client.run(Duplicate, { handles: { objectHandle, newParentHandle }, auth: [{ session: s }], params: { encryptionKeyIn: o.key ?? Buffer.alloc(0), symmetricAlg: o.sym ?? NO_SYM } });
    } finally {
      await flush(client, s.handle).catch(() => undefined); // only three session slots
    }
  };

  it('Duplicate to a public-only new parent: the blob opens with its private key; the TPM returns the inner key only when it drew it', async () => {
    const { pub, sensitive } = vectorKey('ecc');
    const key = await duplicable();
    const np = await client.run(LoadExternal, { params: { inPrivate: null, inPublic: pub, hierarchy: TPM_RH.OWNER } });
    try {
      for (const given of [null, Buffer.alloc(16, 0x42)]) {
        const r = await duplicate(key.handle, np.handle, { key: given ?? undefined, sym: AES128CFB });
        expect(r.encryptionKeyOut.length).to.equal(given ? 0 : 16);
        const seed = secretDecrypt(pub, sensitive.sensitive, DUPLICATE_LABEL, r.outSymSeed);
        const back = duplicateToSensitive(r.duplicate, key.name, TPM_ALG.SHA256, seededProtection(pub, seed), { keyBits: 128, key: given ?? r.encryptionKeyOut });
        expect(eccPairMatches(key.pub, back)).to.equal(true);
      }
      const plain = await duplicate(key.handle, TPM_RH.NULL);
      expect(plain.outSymSeed.length).to.equal(0);
      expect(eccPairMatches(key.pub, duplicateToSensitive(plain.duplicate, key.name, TPM_ALG.SHA256, null, null))).to.equal(true);
    } finally {
      await flush(client, np.handle);
      await flush(client, key.handle);
    }
  });

  it('PolicyDuplicationSelect: duplicates to the chosen parent only (another parent: TPM_RC_POLICY_FAIL)', async () => {
    const { pub } = vectorKey('rsa');
    const np = await client.run(LoadExternal, { params: { inPrivate: null, inPublic: pub, hierarchy: TPM_RH.OWNER } });
    const key = await duplicable(selectPolicy(np.name));
    const select = (parentName: Buffer) => (h: number) =>
      client.run(PolicyDuplicationSelect, { handles: { policySession: h }, params: { objectName: key.name, newParentName: parentName, includeObject: false } });
    try {
      expect((await duplicate(key.handle, np.handle, { assert: select(np.name) })).outSymSeed.length).to.equal(256);
      const toNull = Buffer.from([0x40, 0, 0, 7]);
      expect(await rcOf(duplicate(key.handle, TPM_RH.NULL, { assert: select(toNull) }))).to.equal(TPM_RC.POLICY_FAIL | S(1));
      expect(await rcOf(duplicate(key.handle, TPM_RH.NULL, { assert: select(np.name) }))).to.equal(TPM_RC.POLICY_FAIL | S(1));
    } finally {
      await flush(client, np.handle);
      await flush(client, key.handle);
    }
  });

  it('Duplicate errors: fixedParent, new parent not a storage key, encryptedDuplication without inner wrapper or to NULL, key size', async () => {
    const fixedKey = await child(client, srk.handle, signingTemplate({ authPolicy: DUP_POLICY, fixed: true }));
    expect(await rcOf(duplicate(fixedKey.handle, TPM_RH.NULL))).to.equal(TPM_RC.ATTRIBUTES | H(1));
    await flush(client, fixedKey.handle);
    const key = await duplicable();
    expect(await rcOf(duplicate(key.handle, key.handle))).to.equal(TPM_RC.TYPE | H(2));
    expect(await rcOf(duplicate(key.handle, TPM_RH.NULL, { key: Buffer.alloc(16) }))).to.equal(TPM_RC.SIZE | P(1));
    expect(await rcOf(duplicate(key.handle, TPM_RH.NULL, { key: Buffer.alloc(15), sym: AES128CFB }))).to.equal(TPM_RC.SIZE | P(1));
    // without the policy the DUP role fails: PolicyCommandCode is required
    expect(await rcOf(duplicate(key.handle, TPM_RH.NULL, { assert: async () => undefined }))).to.equal(TPM_RC.POLICY_FAIL | S(1));
    await flush(client, key.handle);
    // encryptedDuplication needs a parent that has it too (not fixedTPM), so build one under the SRK
    const encParent = await child(client, srk.handle, eccStorageTemplate(TPMA_OBJECT.sensitiveDataOrigin | TPMA_OBJECT.userWithAuth | TPMA_OBJECT.restricted | TPMA_OBJECT.decrypt | TPMA_OBJECT.encryptedDuplication));
    const enc = await child(client, encParent.handle, signingTemplate({ authPolicy: DUP_POLICY, extra: TPMA_OBJECT.encryptedDuplication }));
    expect(await rcOf(duplicate(enc.handle, srk.handle))).to.equal(TPM_RC.SYMMETRIC | P(2));
    expect(await rcOf(duplicate(enc.handle, TPM_RH.NULL, { sym: AES128CFB }))).to.equal(TPM_RC.HIERARCHY | H(2));
    expect((await duplicate(enc.handle, srk.handle, { sym: AES128CFB })).encryptionKeyOut.length).to.equal(16);
    await flush(client, enc.handle);
    await flush(client, encParent.handle);
  });

  it('Rewrap moves the outer wrapper: parent -> NULL -> SRK, and the result imports under the SRK', async () => {
    const parent = await importVectorKey(client, srk, 'rsa');
    try {
      const vec = D.rsa_outerOnly;
      const rewrap = (oldParent: number, newParent: number, inDuplicate: Buffer, inSymSeed: Buffer) =>
        client.run(Rewrap, { handles: { oldParent, newParent }, auth: PW, params: { inDuplicate, name: hex(D.name), inSymSeed } });
      const bare = await rewrap(parent.handle, TPM_RH.NULL, hex(vec.duplicate), hex(vec.inSymSeed));
      expect(bare.outSymSeed.length).to.equal(0);
      expect(bare.outDuplicate.subarray(2).toString('hex')).to.equal(D.sensitive);
      const forSrk = await rewrap(TPM_RH.NULL, srk.handle, bare.outDuplicate, Buffer.alloc(0));
      expect((await importBlob(srk.handle, { duplicate: forSrk.outDuplicate, inSymSeed: forSrk.outSymSeed })).outPrivate.length).to.be.greaterThan(0);
      expect(await rcOf(rewrap(TPM_RH.NULL, srk.handle, bare.outDuplicate, hex(vec.inSymSeed)))).to.equal(TPM_RC.HANDLE | H(1));
      const badSeed = Buffer.from(hex(vec.inSymSeed));
      badSeed[3]! ^= 1;
      expect(await rcOf(rewrap(parent.handle, TPM_RH.NULL, hex(vec.duplicate), badSeed))).to.equal(TPM_RC.VALUE | P(3));
      const tampered = Buffer.from(hex(vec.duplicate));
      tampered[50]! ^= 1;
      expect(await rcOf(rewrap(parent.handle, TPM_RH.NULL, tampered, hex(vec.inSymSeed)))).to.equal(TPM_RC.INTEGRITY | P(1));
    } finally {
      await flush(client, parent.handle);
    }
  });
});
