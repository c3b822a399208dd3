import { expect } from 'chai';
import { ActivateCredential, PolicySecret, TPMA_OBJECT, TPM_RC, TPM_RH, TPM_SE, TpmResponseError, startSession, type TpmtPublic } from '@vtpm/tpm';
import { AK_REQUIRED_ATTRIBUTES, Registrar, checkAkAttributes, makeAkCredential, type EnrolmentChallenge, type Verdict } from '../src/index.js';
import { AK_ATTRIBUTES, EK_LIKE_ATTRIBUTES, NULL, PW, createPrimary, eccTemplate, flush, rsaTemplate, scheme, startedTpm, type Fixture } from './tpmFixture.js';

const A = TPMA_OBJECT;

function expectRefused(v: Verdict<unknown>, reason: string): void {
  expect(v.ok, v.ok ? 'accepted' : v.message).to.equal(false);
  if (!v.ok) {
    expect(v.reason).to.equal(reason);
    expect(v.message).to.match(new RegExp(`^${reason}: `));
  }
}

function challengeOf(v: Verdict<EnrolmentChallenge>): EnrolmentChallenge {
  if (!v.ok) expect.fail(v.message);
  return v.value;
}

/** The TCG EK Credential Profile's default RSA 2048 EK template (policy: PolicySecret(TPM_RH_ENDORSEMENT)). */
function tcgRsaEkTemplate(): TpmtPublic {
  const t = rsaTemplate(A.fixedTPM | A.fixedParent | A.sensitiveDataOrigin | A.adminWithPolicy | A.restricted | A.decrypt, scheme(NULL));
  return { ...t, authPolicy: Buffer.from('837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa', 'hex'), unique: Buffer.alloc(256) };
}

describe('AK enrolment by credential activation', function () {
  this.timeout(30000);
  let f: Fixture;
  before(async () => (f = await startedTpm('enrolment')));

  /** The attester's side: TPM2_ActivateCredential with the AK (password) and the EK (password or EK policy). */
  async function activate(ak: { handle: number; name: Buffer }, ek: { handle: number; name: Buffer; pub: TpmtPublic }, c: EnrolmentChallenge): Promise<Buffer> {
    let ekAuth: Parameters<typeof f.client.run>[1]['auth'] = PW;
    if (ek.pub.objectAttributes & A.adminWithPolicy && !(ek.pub.objectAttributes & A.userWithAuth)) {
      const session = await startSession(f.client, { type: TPM_SE.POLICY });
      await f.client.run(PolicySecret, { handles: { authHandle: TPM_RH.ENDORSEMENT, policySession: session.handle }, auth: PW, params: { nonceTPM: Buffer.alloc(0), cpHashA: Buffer.alloc(0), policyRef: Buffer.alloc(0), expiration: 0 } });
      session.attributes = 0; // not continued: flushed after ActivateCredential
      ekAuth = [{ session }];
    }
    const r = await f.client.run(ActivateCredential, {
      handles: { activateHandle: ak.handle, keyHandle: ek.handle },
      auth: [...PW, ...ekAuth!],
      names: [ak.name, ek.name],
      params: { credentialBlob: c.credentialBlob, secret: c.secret },
    });
    return r.certInfo;
  }

  for (const [kind, ekTemplate] of [
    ['an RSA EK', () => rsaTemplate(EK_LIKE_ATTRIBUTES, scheme(NULL))],
    ['an ECC P-256 EK (KDFe)', () => eccTemplate(EK_LIKE_ATTRIBUTES, scheme(NULL))],
    ['the TCG default RSA EK (PolicySecret session)', tcgRsaEkTemplate],
  ] as const) {
    it(`enrols an AK whose TPM activates the credential, with ${kind}`, async () => {
      const ek = await createPrimary(f.client, ekTemplate());
      const ak = await createPrimary(f.client, eccTemplate(AK_ATTRIBUTES));
      try {
        const registrar = new Registrar();
        const c = challengeOf(await registrar.startEnrolment(ek.pub, undefined, ak.pub));
        expect(c.akName).to.deep.equal(ak.name);
        const enrolled = registrar.finishEnrolment(c, await activate(ak, ek, c));
        if (!enrolled.ok) expect.fail(enrolled.message);
        expect(enrolled.value.akName).to.deep.equal(ak.name);
        expect(enrolled.value.ekName).to.deep.equal(ek.name);
        expect(enrolled.value.ekCertificate).to.equal(null);
      } finally {
        await flush(f.client, ak.handle);
        await flush(f.client, ek.handle);
      }
    });
  }

  describe('refuses', () => {
    let ek: { handle: number; pub: TpmtPublic; name: Buffer };
    let ak: { handle: number; pub: TpmtPublic; name: Buffer };
    before(async () => {
      ek = await createPrimary(f.client, rsaTemplate(EK_LIKE_ATTRIBUTES, scheme(NULL)));
      ak = await createPrimary(f.client, eccTemplate(AK_ATTRIBUTES));
    });
    after(async () => {
      await flush(f.client, ak.handle);
      await flush(f.client, ek.handle);
    });

    it('a wrong activated secret (credential-mismatch)', async () => {
      const registrar = new Registrar();
      const c = challengeOf(await registrar.startEnrolment(ek.pub, undefined, ak.pub));
      const secret = await activate(ak, ek, c);
      secret[0]! ^= 1;
      expectRefused(registrar.finishEnrolment(c, secret), 'credential-mismatch');
    });

    it('a challenge answered twice, or after it expired (enrolment-unknown)', async () => {
      let now = 1000;
      const registrar = new Registrar({ now: () => now, challengeLifetimeMs: 60_000 });
      const c = challengeOf(await registrar.startEnrolment(ek.pub, undefined, ak.pub));
      const secret = await activate(ak, ek, c);
      expect(registrar.finishEnrolment(c, secret).ok).to.equal(true);
      expectRefused(registrar.finishEnrolment(c, secret), 'enrolment-unknown');
      const late = challengeOf(await registrar.startEnrolment(ek.pub, undefined, ak.pub));
      now += 60_001;
      expectRefused(registrar.finishEnrolment(late, await activate(ak, ek, late)), 'enrolment-unknown');
    });

    it('an AK that is not a fixed, TPM-made, restricted signing key (ak-attributes)', async () => {
      const registrar = new Registrar();
      for (const drop of AK_REQUIRED_ATTRIBUTES) {
        const v = await registrar.startEnrolment(ek.pub, undefined, { ...ak.pub, objectAttributes: ak.pub.objectAttributes & ~A[drop] });
        expectRefused(v, 'ak-attributes');
        expect(v.ok || v.message).to.include(`lacks ${drop}`);
      }
      const decrypting = await registrar.startEnrolment(ek.pub, undefined, { ...ak.pub, objectAttributes: ak.pub.objectAttributes | A.decrypt });
      expectRefused(decrypting, 'ak-attributes');
      expect(decrypting.ok || decrypting.message).to.include('has decrypt');
    });

    it('an "EK" that is no restricted decryption key (ek-attributes)', async () => {
      expectRefused(await new Registrar().startEnrolment(ak.pub, undefined, ak.pub), 'ek-attributes');
    });

    it('no EK certificate when the registrar has EK roots (ek-chain-invalid)', async () => {
      expectRefused(await new Registrar({ ekRoots: ['-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----'] }).startEnrolment(ek.pub, undefined, ak.pub), 'ek-chain-invalid');
    });

    it('the TPM will not activate a credential made for another AK Name (the binding enrolment relies on)', async () => {
      const other = await createPrimary(f.client, eccTemplate(AK_ATTRIBUTES), TPM_RH.OWNER);
      try {
        const forOther = makeAkCredential(ek.pub, other.name, Buffer.alloc(32, 7));
        const error = await activate(ak, ek, { id: 'x', akName: other.name, ...forOther }).then(() => null, (e: unknown) => e);
        expect(error).to.be.instanceOf(TpmResponseError);
        expect((error as TpmResponseError).rc & 0x0bf).to.equal(TPM_RC.INTEGRITY);
      } finally {
        await flush(f.client, other.handle);
      }
    });
  });

  it('checkAkAttributes accepts the AK template and names every missing attribute', () => {
    expect(() => checkAkAttributes(eccTemplate(AK_ATTRIBUTES))).not.to.throw();
    expect(() => checkAkAttributes(eccTemplate(A.sign | A.userWithAuth))).to.throw(/lacks fixedTPM, fixedParent, sensitiveDataOrigin, restricted/);
  });
});
