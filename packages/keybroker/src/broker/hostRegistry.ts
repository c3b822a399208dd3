import { TPM2B_PUBLIC, marshal, objectName, unmarshal } from '@vtpm/tpm';
import { Registrar, accepted, type CertificateInput, type EnrolledAk, type EnrolmentChallenge, type PublicAreaInput, type RegistrarOptions } from '@vtpm/attest';
import type { AuditLog } from './auditLog.js';
import { refuseRelease } from '../protocol/releaseRefusal.js';
import type { AkRecord } from '../storage/records.js';
import type { BrokerStore } from '../storage/brokerStore.js';

/**
 * Which AK belongs to which host. Enrolment is @vtpm/attest's credential activation; the
 * result is stored so every replica (and every restart) knows the AK. Pending challenges live in
 * the memory of the broker that issued them: a host finishes its enrolment with the same replica.
 */
export class HostRegistry {
  private readonly registrar: Registrar;
  private readonly pendingHosts = new Map<string, string>();

  constructor(
    private readonly store: BrokerStore,
    private readonly audit: AuditLog,
    options: RegistrarOptions = {},
  ) {
    this.registrar = new Registrar(options);
  }

  async startEnrolment(hostId: string, ekPublic: PublicAreaInput, ekCertificate: CertificateInput | undefined, akPublic: PublicAreaInput): Promise<EnrolmentChallenge> {
    const challenge = accepted(await this.registrar.startEnrolment(ekPublic, ekCertificate, akPublic));
    this.pendingHosts.set(challenge.id, hostId);
    return challenge;
  }

  /** Checks the activated secret; on success the AK is the host's from now on. */
  async finishEnrolment(enrolmentId: string, activatedSecret: Uint8Array, now: number): Promise<AkRecord> {
    const hostId = this.pendingHosts.get(enrolmentId);
    this.pendingHosts.delete(enrolmentId);
    const enrolled = accepted(this.registrar.finishEnrolment({ id: enrolmentId }, activatedSecret));
    if (hostId === undefined) throw new Error(`enrolment ${enrolmentId} was not started by this broker`);
    const record = akRecordOf(hostId, enrolled, now);
    // Revocation is final for an AK: enrolling it again must not quietly undo it.
    const known = await this.store.getAk(record.akName);
    if (known?.revokedAt != null) {
      const message = `AK ${record.akName} (host ${known.hostId}) was revoked at ${new Date(known.revokedAt).toISOString()}; a revoked AK cannot be enrolled again`;
      await this.audit.append({ outcome: 'refused', hostId, akName: record.akName, message: `enrolment refused: ${message}` });
      refuseRelease('ak-revoked', message);
    }
    await this.store.putAk(record);
    await this.audit.append({ outcome: 'enrolled', hostId, akName: record.akName, message: `AK ${record.akName} enrolled for host ${hostId}` });
    return record;
  }

  async revokeHost(hostId: string, now: number): Promise<number> {
    const n = await this.store.revokeHost(hostId, now);
    await this.audit.append({ outcome: 'revoked', hostId, message: `host ${hostId} revoked (${n} AK${n === 1 ? '' : 's'})` });
    return n;
  }
}

export function akRecordOf(hostId: string, ak: EnrolledAk, now: number): AkRecord {
  return {
    akName: ak.akName.toString('hex'),
    hostId,
    akPublic: marshal(TPM2B_PUBLIC, ak.akPublic),
    ekName: ak.ekName.toString('hex'),
    ekPublic: marshal(TPM2B_PUBLIC, ak.ekPublic),
    ekCertificateJson: ak.ekCertificate ? JSON.stringify(ak.ekCertificate) : null,
    enrolledAt: now,
    revokedAt: null,
  };
}

/** The verifier's view of a stored AK. */
export function enrolledAkOf(r: AkRecord): EnrolledAk {
  const akPublic = unmarshal(TPM2B_PUBLIC, r.akPublic);
  const ekPublic = unmarshal(TPM2B_PUBLIC, r.ekPublic);
  return {
    akName: objectName(akPublic),
    akPublic,
    ekName: objectName(ekPublic),
    ekPublic,
    ekCertificate: r.ekCertificateJson ? JSON.parse(r.ekCertificateJson) : null,
    enrolledAt: new Date(r.enrolledAt),
  };
}
