import { randomBytes, timingSafeEqual } from 'node:crypto';
import { TPM_ALG, TPMA_OBJECT, digestSize, objectName, type TpmtPublic } from '@vtpm/tpm';
import { accepted, judge, judgeAsync, refuse, type Verdict } from '../refusal.js';
import { readPublicArea, type PublicAreaInput } from '../quote/publicArea.js';
import type { CertificateInput } from '../ekChain/certificateInput.js';
import { validateEkCertificate, type EkCertificateReport } from '../ekChain/validateEkCertificate.js';
import { checkAkAttributes } from './akAttributes.js';
import { makeAkCredential } from './akCredential.js';
import type { EnrolledAk } from './enrolledAk.js';

/** What the attester gets: run TPM2_ActivateCredential(ak, ek, credentialBlob, secret) and return the result. */
export interface EnrolmentChallenge {
  /** Names this pending enrolment at the registrar. */
  id: string;
  akName: Buffer;
  /** TPM2B_ID_OBJECT contents. */
  credentialBlob: Buffer;
  /** TPM2B_ENCRYPTED_SECRET contents. */
  secret: Buffer;
}

export interface RegistrarOptions {
  /** EK certificate trust anchors; without them EK certificates cannot be checked. */
  ekRoots?: readonly CertificateInput[];
  /** Manufacturer intermediate CAs (EK certificates in TPM NV usually come without their chain). */
  ekIntermediates?: readonly CertificateInput[];
  /** Refuse enrolments that present no EK certificate (default: true when `ekRoots` are set). */
  requireEkCertificate?: boolean;
  /** How long a challenge stays answerable (default 5 minutes). */
  challengeLifetimeMs?: number;
  now?: () => number;
  random?: (n: number) => Buffer;
}

interface Pending {
  expected: Buffer;
  akPublic: TpmtPublic;
  ekPublic: TpmtPublic;
  ekCertificate: EkCertificateReport | null;
  expiresAt: number;
}

/** EKs protect credentials: asymmetric restricted decryption keys (Part 3, 12.5). */
function checkEkAttributes(ek: TpmtPublic): void {
  const asymmetric = ek.type === TPM_ALG.RSA || ek.type === TPM_ALG.ECC;
  const { restricted, decrypt } = TPMA_OBJECT;
  if (!asymmetric || (ek.objectAttributes & (restricted | decrypt)) !== (restricted | decrypt)) {
    refuse('ek-attributes', 'the EK is not an asymmetric restricted decryption key, so it cannot protect a credential');
  }
}

/**
 * AK enrolment by credential activation (a Registrar in the Keylime sense): a fresh secret is
 * sealed to the EK for the AK's Name; only the TPM that holds both can return it. The EK itself is
 * trusted through its certificate chain.
 */
export class Registrar {
  private readonly pending = new Map<string, Pending>();
  private readonly now: () => number;
  private readonly random: (n: number) => Buffer;

  constructor(private readonly options: RegistrarOptions = {}) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? randomBytes;
  }

  /** Checks the AK and EK (and the EK certificate, if any) and makes the credential challenge. */
  async startEnrolment(ekPub: PublicAreaInput, ekCertChain: CertificateInput | undefined, akPub: PublicAreaInput): Promise<Verdict<EnrolmentChallenge>> {
    return judgeAsync(async () => {
      const ekPublic = readPublicArea(ekPub, 'the EK public area');
      const akPublic = readPublicArea(akPub, 'the AK public area');
      checkEkAttributes(ekPublic);
      checkAkAttributes(akPublic);
      const ekCertificate = await this.checkEkCertificate(ekPublic, ekCertChain);

      const akName = objectName(akPublic);
      const expected = this.random(Math.min(32, digestSize(ekPublic.nameAlg)));
      const { credentialBlob, secret } = makeAkCredential(ekPublic, akName, expected);
      const id = this.random(16).toString('hex');
      this.forgetExpired();
      this.pending.set(id, { expected, akPublic, ekPublic, ekCertificate, expiresAt: this.now() + (this.options.challengeLifetimeMs ?? 300_000) });
      return { id, akName, credentialBlob, secret };
    });
  }

  /** Accepts the AK when `activatedSecret` is the challenge's secret; each challenge answers once. */
  finishEnrolment(challenge: Pick<EnrolmentChallenge, 'id'>, activatedSecret: Uint8Array): Verdict<EnrolledAk> {
    return judge(() => {
      const p = this.pending.get(challenge.id) ?? refuse('enrolment-unknown', `no pending enrolment ${challenge.id}: never started, already answered, or expired`);
      this.pending.delete(challenge.id);
      if (this.now() > p.expiresAt) refuse('enrolment-unknown', `enrolment ${challenge.id} expired`);
      const answer = Buffer.from(activatedSecret);
      if (answer.length !== p.expected.length || !timingSafeEqual(answer, p.expected)) {
        refuse('credential-mismatch', 'the activated secret is not the one sealed to the EK: the AK is not in the TPM that holds this EK');
      }
      return { akName: objectName(p.akPublic), akPublic: p.akPublic, ekName: objectName(p.ekPublic), ekPublic: p.ekPublic, ekCertificate: p.ekCertificate, enrolledAt: new Date(this.now()) };
    });
  }

  /** Challenges nobody answered in time are dropped, so abandoned enrolments do not pile up. */
  private forgetExpired(): void {
    const now = this.now();
    for (const [id, p] of this.pending) if (now > p.expiresAt) this.pending.delete(id);
  }

  private async checkEkCertificate(ekPublic: TpmtPublic, chain: CertificateInput | undefined): Promise<EkCertificateReport | null> {
    const roots = this.options.ekRoots ?? [];
    const required = this.options.requireEkCertificate ?? roots.length > 0;
    if (chain === undefined) {
      if (required) refuse('ek-chain-invalid', 'an EK certificate is required and none was presented');
      return null;
    }
    return accepted(await validateEkCertificate(chain, { roots, intermediates: this.options.ekIntermediates ?? [], ekPublic }));
  }
}
