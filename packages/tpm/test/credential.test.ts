import { expect } from 'chai';
import {
  ActivateCredential, LoadExternal, MakeCredential, TPM_ALG, TPM_RC, TPM_RH, TpmError, credentialFromBlob, credentialToBlob, makeCredential, secretDecrypt,
  IDENTITY_LABEL, TPMT_PUBLIC, TPMT_SENSITIVE, unmarshal, type TpmClient,
} from '../src/index.js';
import { child, flush, hex, importVectorKey, primary, privatePart, signingTemplate, vectorKey } from './credentialTestKit.js';
import { eccStorageTemplate } from './kit/keys.js';
import { rcOf } from './kit/responseCodes.js';
import { PW, startTpm } from './kit/startedTpm.js';
import { CREDENTIAL_VECTORS as V } from './vectors/credentialVectors.js';

const P = (n: number) => 0x40 | (n << 8);
const H = (n: number) => n << 8;
const thrownRc = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof TpmError) return e.rc;
    throw e;
  }
  return 0;
};

describe('credential protection (Part 1, 24): known answers from tpm2-pytss make_credential', () => {
  const name = hex(V.credential.objectName);
  const credential = hex(V.credential.credential);
  for (const kind of ['rsa', 'ecc'] as const) {
    const vec = V.credential[kind];
    const { pub } = vectorKey(kind);
    it(`${kind}: the TPM-side decrypt of pytss' secret ("IDENTITY") gives pytss' seed`, () => {
      expect(secretDecrypt(pub, privatePart(kind), IDENTITY_LABEL, hex(vec.secret)).toString('hex')).to.equal(vec.seed);
    });
    it(`${kind}: credentialBlob from the same seed is byte-identical; the credential comes back out`, () => {
      expect(credentialToBlob(pub, hex(vec.seed), credential, name).toString('hex')).to.equal(vec.credentialBlob);
      expect(credentialFromBlob(pub, hex(vec.seed), name, hex(vec.credentialBlob))).to.deep.equal(credential);
    });
    it(`${kind}: a flipped bit anywhere in the blob, another Name or another seed is TPM_RC_INTEGRITY`, () => {
      const blob = hex(vec.credentialBlob);
      for (let i = 0; i < blob.length; i++) {
        const bad = Buffer.from(blob);
        bad[i]! ^= 0x01;
        const rc = thrownRc(() => credentialFromBlob(pub, hex(vec.seed), name, bad));
        // bytes 0-1 are the integrity size: a different size does not parse or does not compare
        expect([TPM_RC.INTEGRITY, TPM_RC.INSUFFICIENT, TPM_RC.SIZE], `byte ${i}`).to.include(rc);
      }
      const otherName = Buffer.from(name);
      otherName[5]! ^= 1;
      expect(thrownRc(() => credentialFromBlob(pub, hex(vec.seed), otherName, blob))).to.equal(TPM_RC.INTEGRITY);
      expect(thrownRc(() => credentialFromBlob(pub, Buffer.alloc(32), name, blob))).to.equal(TPM_RC.INTEGRITY);
    });
  }

  it('software makeCredential round-trips through the private key, for RSA and ECC', () => {
    for (const kind of ['rsa', 'ecc'] as const) {
      const { pub } = vectorKey(kind);
      const made = makeCredential(pub, credential, name);
      const seed = secretDecrypt(pub, privatePart(kind), IDENTITY_LABEL, made.secret);
      expect(credentialFromBlob(pub, seed, name, made.credentialBlob)).to.deep.equal(credential);
    }
  });

  it('makeCredential refuses a key that is not a restricted decryption key (TYPE) and a credential longer than the nameAlg digest (SIZE)', () => {
    const { pub } = vectorKey('rsa');
    expect(thrownRc(() => makeCredential({ ...pub, objectAttributes: pub.objectAttributes & ~0x10000 }, credential, name))).to.equal(TPM_RC.TYPE);
    expect(thrownRc(() => makeCredential(pub, Buffer.alloc(33), name))).to.equal(TPM_RC.SIZE);
    expect(makeCredential(pub, Buffer.alloc(32), name).credentialBlob.length).to.equal(2 + 32 + 2 + 32);
  });
});

describe('MakeCredential and ActivateCredential (Part 3, 12.5 and 12.6)', function () {
  this.timeout(30000);
  let client: TpmClient;
  let srk: Awaited<ReturnType<typeof primary>>;

  before(async () => {
    ({ client } = await startTpm('credential tests'));
    srk = await primary(client, eccStorageTemplate());
  });

  const activate = (activateHandle: number, keyHandle: number, credentialBlob: Buffer, secret: Buffer) =>
    client.run(ActivateCredential, { handles: { activateHandle, keyHandle }, auth: [...PW, ...PW], params: { credentialBlob, secret } });

  /** The vectors' credential subject: an ECC signing key loaded with its private part (authValue "childpw"). */
  const loadSubject = () => {
    const d = V.duplication;
    return client.run(LoadExternal, { params: { inPrivate: unmarshal(TPMT_SENSITIVE, hex(d.sensitive)), inPublic: unmarshal(TPMT_PUBLIC, hex(d.objectPublic)), hierarchy: TPM_RH.NULL } });
  };

  for (const kind of ['rsa', 'ecc'] as const) {
    it(`${kind}: pytss' credential activates for the object of its Name, and for no other; a software credential for a TPM-made AK activates`, async () => {
      const ek = await importVectorKey(client, srk, kind);
      const vec = V.credential[kind];
      try {
        // three object slots: SRK, EK and the subject
        const subject = await loadSubject();
        expect(subject.name.toString('hex')).to.equal(V.credential.objectName);
        const both = [{ password: 'childpw' }, ...PW];
        const r = await client.run(ActivateCredential, { handles: { activateHandle: subject.handle, keyHandle: ek.handle }, auth: both, params: { credentialBlob: hex(vec.credentialBlob), secret: hex(vec.secret) } });
        expect(r.certInfo.toString('hex')).to.equal(V.credential.credential);
        await flush(client, subject.handle);
        expect(await rcOf(activate(srk.handle, ek.handle, hex(vec.credentialBlob), hex(vec.secret)))).to.equal(TPM_RC.INTEGRITY | P(1));
        const ak = await child(client, srk.handle, signingTemplate());
        const made = makeCredential(ek.pub, Buffer.from('hello AK'), ak.name);
        expect((await activate(ak.handle, ek.handle, made.credentialBlob, made.secret)).certInfo.toString()).to.equal('hello AK');
        await flush(client, ak.handle);
      } finally {
        await flush(client, ek.handle);
      }
    });
  }

  it('TPM-side MakeCredential over a public-only key (LoadExternal) opens with the private key; no authorization needed', async () => {
    for (const kind of ['rsa', 'ecc'] as const) {
      const { pub } = vectorKey(kind);
      const ext = await client.run(LoadExternal, { params: { inPrivate: null, inPublic: pub, hierarchy: TPM_RH.OWNER } });
      const name = hex(V.credential.objectName);
      const made = await client.run(MakeCredential, { handles: { handle: ext.handle }, params: { credential: Buffer.from('from the TPM'), objectName: name } });
      await flush(client, ext.handle);
      const seed = secretDecrypt(pub, privatePart(kind), IDENTITY_LABEL, made.secret);
      expect(credentialFromBlob(pub, seed, name, made.credentialBlob).toString()).to.equal('from the TPM');
    }
  });

  it('errors: MakeCredential TYPE on the handle, SIZE on the credential; ActivateCredential TYPE on keyHandle, INTEGRITY on the blob, FAILURE/SIZE on the secret', async () => {
    const ek = await importVectorKey(client, srk, 'rsa');
    const ak = await child(client, srk.handle, signingTemplate());
    try {
      const mk = (handle: number, credential: Buffer) => client.run(MakeCredential, { handles: { handle }, params: { credential, objectName: ak.name } });
      expect(await rcOf(mk(ak.handle, Buffer.from('x')))).to.equal(TPM_RC.TYPE | H(1));
      expect(await rcOf(mk(ek.handle, Buffer.alloc(33)))).to.equal(TPM_RC.SIZE | P(1));
      const made = await mk(ek.handle, Buffer.from('x'));
      expect(await rcOf(activate(ak.handle, ak.handle, made.credentialBlob, made.secret))).to.equal(TPM_RC.TYPE | H(2));
      const badBlob = Buffer.from(made.credentialBlob);
      badBlob[badBlob.length - 1]! ^= 1;
      expect(await rcOf(activate(ak.handle, ek.handle, badBlob, made.secret))).to.equal(TPM_RC.INTEGRITY | P(1));
      const badSecret = Buffer.from(made.secret);
      badSecret[10]! ^= 1;
      // swtpm's OpenSSL-based RSA decryption answers a bad OAEP encoding with TPM_RC_FAILURE (unnumbered)
      expect(await rcOf(activate(ak.handle, ek.handle, made.credentialBlob, badSecret))).to.equal(TPM_RC.FAILURE);
      expect(await rcOf(activate(ak.handle, ek.handle, made.credentialBlob, made.secret.subarray(1)))).to.equal(TPM_RC.SIZE | P(2));
      expect((await activate(ak.handle, ek.handle, made.credentialBlob, made.secret)).certInfo.toString()).to.equal('x');
    } finally {
      await flush(client, ak.handle);
      await flush(client, ek.handle);
    }
  });

  it('an SRK with SHA-256 nameAlg and AES-128 protects as the EK does: TPM2B_ID_OBJECT is 2 + 32 + AES-CFB(2 + credential)', async () => {
    const made = await client.run(MakeCredential, { handles: { handle: srk.handle }, params: { credential: Buffer.alloc(20, 7), objectName: srk.name } });
    expect(made.credentialBlob.length).to.equal(2 + 32 + 2 + 20);
    expect(made.secret.length).to.equal(2 + 32 + 2 + 32); // TPMS_ECC_POINT of P-256
    expect(srk.pub.nameAlg).to.equal(TPM_ALG.SHA256);
  });
});
