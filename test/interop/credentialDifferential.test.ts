import { expect } from 'chai';
import {
  ActivateCredential, Create, CreatePrimary, FlushContext, Load, MakeCredential, TPM_ALG, TPM_RH, TPMA_OBJECT, makeCredential, marshal, TPMS_ECC_POINT,
  type TpmClient, type TpmtPublic,
} from '@vtpm/tpm';
import { DEBIAN_TOOLS, requireTools } from '../lib/requiredTool.js';
import { SideBySide } from '../lib/sideBySide.js';

/**
 * MakeCredential / ActivateCredential: the same inputs to swtpm 0.7.1 and to vtpm, every response
 * code equal (and certInfo equal on success). Each side's keys are its own (different seeds); the
 * malformed blobs and secrets are derived the same way from each side's own good ones.
 * VTPM_REF_SWTPM_PORT pins swtpm's port pair.
 */

const PW = [{ password: '' }];
const P = (n: number) => 0x40 | (n << 8);
const H = (n: number) => n << 8;
const RC = { TYPE: 0x8a, SIZE: 0x95, VALUE: 0x84, INTEGRITY: 0x9f, INSUFFICIENT: 0x9a, ECC_POINT: 0xa7 } as const;
const NO_SCHEME = { scheme: TPM_ALG.NULL, details: null };
const AES128CFB = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };
const { fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, decrypt, sign, noDA } = TPMA_OBJECT;
const EK_ATTRS = fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | decrypt | noDA;

function protectorTemplate(type: 'rsa' | 'ecc', attrs = EK_ATTRS): TpmtPublic {
  const base = { nameAlg: TPM_ALG.SHA256, objectAttributes: attrs, authPolicy: Buffer.alloc(0) };
  const sym = attrs & restricted ? AES128CFB : { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 };
  return type === 'rsa'
    ? { ...base, type: TPM_ALG.RSA, parameters: { symmetric: sym, scheme: NO_SCHEME, keyBits: 2048, exponent: 0 }, unique: Buffer.alloc(0) }
    : { ...base, type: TPM_ALG.ECC, parameters: { symmetric: sym, scheme: NO_SCHEME, curveID: 3, kdf: NO_SCHEME }, unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) } };
}
const AK: TpmtPublic = {
  type: TPM_ALG.ECC,
  nameAlg: TPM_ALG.SHA256,
  objectAttributes: fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | sign | noDA,
  authPolicy: Buffer.alloc(0),
  parameters: { symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, scheme: { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } }, curveID: 3, kdf: NO_SCHEME },
  unique: { x: Buffer.alloc(0), y: Buffer.alloc(0) },
};

type Key = { handle: number; pub: TpmtPublic; name: Buffer };
const createPrimary = (c: TpmClient, template: TpmtPublic, hierarchy: number = TPM_RH.ENDORSEMENT) =>
  c.run(CreatePrimary, { handles: { primaryHandle: hierarchy }, auth: PW, params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] } })
    .then((r): Key => ({ handle: r.handle, pub: r.outPublic, name: r.name }));
async function createLoaded(c: TpmClient, parent: number, template: TpmtPublic): Promise<Key> {
  const r = await c.run(Create, { handles: { parentHandle: parent }, auth: PW, params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] } });
  const l = await c.run(Load, { handles: { parentHandle: parent }, auth: PW, params: { inPrivate: r.outPrivate, inPublic: r.outPublic } });
  return { handle: l.handle, pub: r.outPublic, name: l.name };
}
const flush = (c: TpmClient, h: number) => c.run(FlushContext, { params: { flushHandle: h } });
const activate = (c: TpmClient, activateHandle: number, keyHandle: number, credentialBlob: Buffer, secret: Buffer) =>
  c.run(ActivateCredential, { handles: { activateHandle, keyHandle }, auth: [...PW, ...PW], params: { credentialBlob, secret } });
const flipped = (b: Buffer, i: number) => {
  const c = Buffer.from(b);
  c[i < 0 ? c.length + i : i]! ^= 0x01;
  return c;
};

describe('credentials: the same inputs to swtpm and to vtpm give the same answers', function () {
  this.timeout(120000);
  let sides: SideBySide;

  before(async function () {
    requireTools(this, ['swtpm'], DEBIAN_TOOLS);
    sides = await SideBySide.start('credential differential');
  });
  afterEach(async () => sides?.flushTransients());
  after(async () => sides?.stop());

  for (const kind of ['rsa', 'ecc'] as const) {
    it(`${kind} EK: MakeCredential and ActivateCredential, good and malformed inputs`, async () => {
      const [ekA, ekB] = await sides.ok('EK', (c) => createPrimary(c, protectorTemplate(kind)));
      const ek = [ekA, ekB] as const;
      const [srkA, srkB] = await sides.ok('SRK', (c) => createPrimary(c, protectorTemplate('ecc'), TPM_RH.OWNER));
      const [akA, akB] = await sides.ok('AK', (c, s) => createLoaded(c, [srkA, srkB][s]!.handle, AK));
      const ak = [akA, akB] as const;
      await sides.ok('flush SRK', (c, s) => flush(c, [srkA, srkB][s]!.handle));

      // MakeCredential in each TPM
      const mk = (credential: Buffer, objectName?: Buffer, on?: 'ak') => (c: TpmClient, s: 0 | 1) =>
        c.run(MakeCredential, { handles: { handle: on ? ak[s].handle : ek[s].handle }, params: { credential, objectName: objectName ?? ak[s].name } });
      await sides.expectRc('MakeCredential with a signing key', RC.TYPE | H(1), mk(Buffer.from('x'), undefined, 'ak'));
      await sides.expectRc('credential of 33 octets', RC.SIZE | P(1), mk(Buffer.alloc(33)));
      await sides.rc('empty credential', mk(Buffer.alloc(0)));
      await sides.rc('empty objectName', mk(Buffer.from('x'), Buffer.alloc(0)));
      const made = await sides.ok('MakeCredential', mk(Buffer.from('the credential')));
      const [certA, certB] = await sides.ok('ActivateCredential of the TPM-made credential', (c, s) => activate(c, ak[s].handle, ek[s].handle, made[s].credentialBlob, made[s].secret));
      expect(certB.certInfo.toString()).to.equal(certA.certInfo.toString()).and.to.equal('the credential');
      expect(made[1].credentialBlob.length).to.equal(made[0].credentialBlob.length);
      expect(made[1].secret.length).to.equal(made[0].secret.length);

      // software MakeCredential (the verifier's side) for each TPM's EK, activated in that TPM
      const soft = [makeCredential(ek[0].pub, Buffer.from('software'), ak[0].name), makeCredential(ek[1].pub, Buffer.from('software'), ak[1].name)];
      const act = (blob: (s: 0 | 1) => Buffer, secret: (s: 0 | 1) => Buffer, who: 'ak' | 'ek' = 'ak', keyWho: 'ek' | 'ak' = 'ek') => (c: TpmClient, s: 0 | 1) =>
        activate(c, (who === 'ak' ? ak : ek)[s].handle, (keyWho === 'ek' ? ek : ak)[s].handle, blob(s), secret(s));
      const [sa, sb] = await sides.ok('software credential', act((s) => soft[s]!.credentialBlob, (s) => soft[s]!.secret));
      expect(sb.certInfo.toString()).to.equal(sa.certInfo.toString()).and.to.equal('software');

      const blob = (s: 0 | 1) => soft[s]!.credentialBlob;
      const secret = (s: 0 | 1) => soft[s]!.secret;
      await sides.expectRc('keyHandle is the AK', RC.TYPE | H(2), act(blob, secret, 'ak', 'ak'));
      await sides.expectRc('activateHandle of another Name', RC.INTEGRITY | P(1), act(blob, secret, 'ek'));
      await sides.expectRc('last blob octet flipped', RC.INTEGRITY | P(1), act((s) => flipped(blob(s), -1), secret));
      await sides.expectRc('integrity octet flipped', RC.INTEGRITY | P(1), act((s) => flipped(blob(s), 5), secret));
      await sides.rc('integrity size 33', act((s) => flipped(blob(s), 1), secret));
      await sides.rc('integrity size 0x0120 (larger than any digest)', act((s) => Buffer.concat([Buffer.from([1, 0x20]), blob(s).subarray(2)]), secret));
      await sides.rc('blob of one octet', act((s) => blob(s).subarray(0, 1), secret));
      await sides.rc('blob without the encrypted credential', act((s) => blob(s).subarray(0, 34), secret));
      await sides.rc('empty blob', act(() => Buffer.alloc(0), secret));
      for (const n of [130, 131, 132, 133]) await sides.rc(`blob of ${n} octets`, act((s) => Buffer.concat([blob(s), Buffer.alloc(n - blob(s).length)]), secret));
      await sides.rc('empty secret', act(blob, () => Buffer.alloc(0)));
      await sides.rc('secret one octet short', act(blob, (s) => secret(s).subarray(1)));
      await sides.rc('secret one octet long', act(blob, (s) => Buffer.concat([secret(s), Buffer.alloc(1)])));
      await sides.rc('secret octet flipped', act(blob, (s) => flipped(secret(s), 9)));
      if (kind === 'ecc') {
        const point = (s: 0 | 1) => ({ x: secret(s).subarray(2, 34), y: secret(s).subarray(36, 68) });
        await sides.rc('ECC point off the curve', act(blob, (s) => marshal(TPMS_ECC_POINT, { x: point(s).x, y: flipped(point(s).y, -1) })));
        await sides.rc('ECC point with empty coordinates', act(blob, () => marshal(TPMS_ECC_POINT, { x: Buffer.alloc(0), y: Buffer.alloc(0) })));
        // libtpms' MAX_ECC_KEY_BYTES is 80 (BN P638 is compiled in): 67 parses, 81 does not
        for (const n of [67, 80, 81]) await sides.rc(`ECC point with a ${n}-octet coordinate`, act(blob, (s) => marshal(TPMS_ECC_POINT, { x: Buffer.alloc(n, 1), y: point(s).y })));
        await sides.rc('ECC point with x zero-padded to 33 octets', act(blob, (s) => marshal(TPMS_ECC_POINT, { x: Buffer.concat([Buffer.alloc(1), point(s).x]), y: point(s).y })));
        await sides.rc('ECC point with x coordinate only', act(blob, (s) => secret(s).subarray(0, 34)));
      }
      await sides.ok('the good credential still activates', act(blob, secret));
      for (const s of [0, 1] as const) {
        await flush(sides.clients[s], ak[s].handle);
        await flush(sides.clients[s], ek[s].handle);
      }
    });
  }

  it('protectors that are not restricted decryption keys', async () => {
    const [srkA, srkB] = await sides.ok('SRK', (c) => createPrimary(c, protectorTemplate('rsa'), TPM_RH.OWNER));
    const srk = [srkA, srkB] as const;
    const [decA, decB] = await sides.ok('unrestricted decryption key', (c, s) => createLoaded(c, srk[s].handle, protectorTemplate('rsa', sensitiveDataOrigin | userWithAuth | decrypt | noDA)));
    const dec = [decA, decB] as const;
    await sides.expectRc('MakeCredential with an unrestricted decryption key', RC.TYPE | H(1), (c, s) =>
      c.run(MakeCredential, { handles: { handle: dec[s].handle }, params: { credential: Buffer.from('x'), objectName: srk[s].name } }));
    const soft = [makeCredential(srk[0].pub, Buffer.from('x'), srk[0].name), makeCredential(srk[1].pub, Buffer.from('x'), srk[1].name)];
    await sides.expectRc('ActivateCredential with an unrestricted decryption key', RC.TYPE | H(2), (c, s) => activate(c, srk[s].handle, dec[s].handle, soft[s]!.credentialBlob, soft[s]!.secret));
    await sides.ok('ActivateCredential with the SRK as protector', (c, s) => activate(c, srk[s].handle, srk[s].handle, soft[s]!.credentialBlob, soft[s]!.secret));
    for (const s of [0, 1] as const) {
      await flush(sides.clients[s], dec[s].handle);
      await flush(sides.clients[s], srk[s].handle);
    }
  });
});
