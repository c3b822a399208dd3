import { randomBytes } from 'node:crypto';
import { objectName, TPM2B_PUBLIC, unmarshal, type TpmtPublic } from '@vtpm/tpm';
import { TRUST_TIER, appraise, decodeEvidence, signResult, type AppraisalOutcome, type Evidence } from '@vtpm/attest';
import { checkP256PublicKey } from '../crypto/ephemeralKey.js';
import { wrapToEphemeralKey } from '../crypto/keyWrapToEphemeral.js';
import { evidenceBinding } from '../protocol/evidenceBinding.js';
import type { Challenge, ChallengeRequest, ReleaseGranted, ReleaseRequest } from '../protocol/messages.js';
import { ReleaseRefusal, refuseRelease } from '../protocol/releaseRefusal.js';
import { checkReleasePolicy, policySelection, toHostClassPolicy, type ReleasePolicy } from '../policy/releasePolicy.js';
import { duplicateVmKey, storageParentOf } from '../release/sealedKeyDuplication.js';
import { TPM_RELEASE_MODE, type ReleaseMode, type TpmReleaseGranted, type TpmReleaseRequest } from '../release/tpmReleaseMessages.js';
import type { BrokerStore } from '../storage/brokerStore.js';
import type { AkRecord, NonceRecord } from '../storage/records.js';
import type { AuditLog } from './auditLog.js';
import { enrolledAkOf } from './hostRegistry.js';
import type { KeyVault } from './keyVault.js';

export interface KeyReleaseOptions {
  nonceLifetimeMs: number;
  now: () => number;
  /** Signs the EAR returned with each release (ES256 private scalar), when set. */
  verifierPrivateKey?: Uint8Array;
  /** Test hook: runs after the nonce is consumed and before verification (crash tests kill the broker here). */
  afterNonceConsumed?: () => Promise<void>;
}

/** What each attempt learnt, for the audit line whether it ends in a release or a refusal. */
interface AttemptContext {
  vmId: string;
  hostId: string;
  nonceId: string;
  akName: string | null;
  policyVersion: number | null;
}

/**
 * The relying party's decision: challenge (single-use, expiring nonce tied to a VM, a host and a
 * policy version), then release (nonce consumed first, so every answer uses it up; evidence
 * appraised by @vtpm/attest against the VM's policy; key wrapped to the host's ephemeral key).
 * Every outcome lands in the audit log.
 */
export class KeyRelease {
  constructor(
    private readonly store: BrokerStore,
    private readonly vault: KeyVault,
    private readonly audit: AuditLog,
    private readonly options: KeyReleaseOptions,
  ) {}

  async challenge(req: ChallengeRequest): Promise<Challenge> {
    if (!(await this.store.getVm(req.vmId))) refuseRelease('unknown-vm', `no VM ${req.vmId}`);
    const policy = (await this.store.currentPolicy(req.vmId)) ?? refuseRelease('no-release-policy', `VM ${req.vmId} has no release policy; its key is released to no host`);
    const now = this.options.now();
    const nonce: NonceRecord = {
      nonceId: randomBytes(16).toString('hex'),
      nonce: randomBytes(32),
      vmId: req.vmId,
      hostId: req.hostId,
      policyVersion: policy.version,
      issuedAt: now,
      expiresAt: now + this.options.nonceLifetimeMs,
      usedAt: null,
    };
    await this.store.insertNonce(nonce);
    const released = checkReleasePolicy(JSON.parse(policy.policyJson));
    return { nonceId: nonce.nonceId, nonce: nonce.nonce, vmId: req.vmId, expiresAt: nonce.expiresAt, pcrs: released.pcrs, policyVersion: policy.version };
  }

  async release(req: ReleaseRequest): Promise<ReleaseGranted> {
    return this.audited(req, 'ephemeral-key', '', (ctx) => this.decide(req, ctx));
  }

  /**
   * Second release mode: the same checks, then the key as a TPM2 duplication blob of a sealed-data
   * object (PolicyPCR over the appraised PCR values) wrapped to the host TPM's storage key, or to
   * its enrolled EK when the request names none. The quote must be bound to that parent's public area.
   */
  async releaseToTpm(req: TpmReleaseRequest): Promise<TpmReleaseGranted> {
    return this.audited(req, TPM_RELEASE_MODE, ' as a TPM2 duplication blob', (ctx) => this.decideTpm(req, ctx));
  }

  /** Runs one attempt and writes its audit line: released (with the mode) or refused. */
  private async audited<T extends { keyVersion: number }>(req: { vmId: string; hostId: string; nonceId: string }, mode: ReleaseMode, how: string, attempt: (ctx: AttemptContext) => Promise<T>): Promise<T> {
    const ctx: AttemptContext = { vmId: req.vmId, hostId: req.hostId, nonceId: req.nonceId, akName: null, policyVersion: null };
    try {
      const granted = await attempt(ctx);
      await this.audit.append({ outcome: 'released', message: `key v${granted.keyVersion} of ${req.vmId} released to host ${req.hostId}${how} (mode ${mode})`, keyVersion: granted.keyVersion, ...ctx });
      return granted;
    } catch (e) {
      if (e instanceof ReleaseRefusal) await this.audit.append({ outcome: 'refused', reason: e.reason, message: `${e.message} (mode ${mode})`, ...ctx });
      throw e;
    }
  }

  /** Rate-limited attempts are refusals too, and the log says so. */
  async auditRateLimited(hostId: string, vmId: string): Promise<void> {
    await this.audit.append({ outcome: 'refused', reason: 'rate-limited', hostId, vmId, message: `rate-limited: host ${hostId} made too many attestation attempts` });
  }

  private async decide(req: ReleaseRequest, ctx: AttemptContext): Promise<ReleaseGranted> {
    const checkKey = () => {
      try {
        checkP256PublicKey(req.ephemeralPublicKey);
      } catch (e) {
        refuseRelease('bad-request', (e as Error).message);
      }
    };
    const { nonce, outcome } = await this.attested(req, ctx, () => req.ephemeralPublicKey, checkKey);
    const key = (await this.vault.current(req.vmId)) ?? refuseRelease('unknown-vm', `VM ${req.vmId} has no key`);
    try {
      const wrappedKey = wrapToEphemeralKey(key.key, { vmId: req.vmId, keyVersion: key.version, nonce: nonce.nonce, hostPublicKey: req.ephemeralPublicKey });
      const granted: ReleaseGranted = { vmId: req.vmId, keyVersion: key.version, policyVersion: nonce.policyVersion, wrappedKey };
      if (this.options.verifierPrivateKey) granted.attestationResult = signResult(outcome.result, this.options.verifierPrivateKey);
      return granted;
    } finally {
      key.key.fill(0);
    }
  }

  private async decideTpm(req: TpmReleaseRequest, ctx: AttemptContext): Promise<TpmReleaseGranted> {
    let parent: { public: TpmtPublic; octets: Buffer } | null = null;
    const { nonce, outcome, policy } = await this.attested(req, ctx, (ak) => {
      parent = storageParentOf(req.storageKeyPublic ?? ak.ekPublic, req.storageKeyPublic ? 'storageKeyPublic' : `the enrolled EK of AK ${ak.akName}`);
      return parent.octets;
    });
    const key = (await this.vault.current(req.vmId)) ?? refuseRelease('unknown-vm', `VM ${req.vmId} has no key`);
    try {
      const granted = duplicateVmKey(parent!, key.key, policySelection(policy.pcrs), outcome.quote!.pcrValues, req.innerWrapper ?? false);
      const out: TpmReleaseGranted = { vmId: req.vmId, keyVersion: key.version, policyVersion: nonce.policyVersion, mode: TPM_RELEASE_MODE, pcrs: policy.pcrs, ...granted };
      if (this.options.verifierPrivateKey) out.attestationResult = signResult(outcome.result, this.options.verifierPrivateKey);
      return out;
    } finally {
      key.key.fill(0);
    }
  }

  /**
   * The checks both modes share: nonce consumed and issued for this VM and host, `boundKey` (the
   * key the release will be wrapped to) checked, AK enrolled for the host, evidence appraised
   * against the nonce's policy version with qualifyingData = SHA-256(nonce || boundKey).
   */
  private async attested(req: { nonceId: string; vmId: string; hostId: string; evidence: Buffer }, ctx: AttemptContext, boundKey: (ak: AkRecord) => Buffer, checkRequest?: () => void): Promise<{ nonce: NonceRecord; outcome: AppraisalOutcome; policy: ReleasePolicy }> {
    const nonce = await this.consumeNonce(req);
    ctx.policyVersion = nonce.policyVersion;
    await this.options.afterNonceConsumed?.();
    if (nonce.vmId !== req.vmId) refuseRelease('policy-for-different-vm', `the nonce was issued for VM ${nonce.vmId}'s policy, not for ${req.vmId}`);
    if (nonce.hostId !== req.hostId) refuseRelease('policy-for-different-vm', `the nonce was issued to host ${nonce.hostId}, not to ${req.hostId}`);
    checkRequest?.();

    const decoded = decodeEvidence(req.evidence);
    if (!decoded.ok) refuseRelease('evidence-refused', decoded.message, decoded.reason);
    const ak = await this.hostAk(decoded.value, req.hostId, ctx);
    const bound = boundKey(ak);

    const policyRecord = (await this.store.policyVersion(req.vmId, nonce.policyVersion)) ?? refuseRelease('no-release-policy', `policy v${nonce.policyVersion} of ${req.vmId} is gone`);
    const policy = checkReleasePolicy(JSON.parse(policyRecord.policyJson));
    const outcome = appraise(decoded.value, toHostClassPolicy(policy, `${req.vmId}@v${nonce.policyVersion}`), {
      nonce: evidenceBinding(nonce.nonce, bound),
      enrolledAk: (name) => (name.toString('hex') === ak.akName ? enrolledAkOf(ak) : undefined),
      now: this.options.now,
    });
    judgeOutcome(outcome, policy, ak);
    return { nonce, outcome, policy };
  }

  /** Uses the nonce up before anything else, so no evidence (good or bad) can be tried twice on it. */
  private async consumeNonce(req: { nonceId: string }): Promise<NonceRecord> {
    const now = this.options.now();
    const c = await this.store.consumeNonce(req.nonceId, now);
    if (c.status === 'unknown') refuseRelease('nonce-unknown', `nonce ${req.nonceId} was never issued by this broker`);
    if (c.status === 'already-used') refuseRelease('nonce-replayed', `nonce ${req.nonceId} was already answered at ${new Date(c.record.usedAt!).toISOString()}`);
    if (now > c.record.expiresAt) refuseRelease('nonce-expired', `nonce ${req.nonceId} expired ${now - c.record.expiresAt} ms before this answer`);
    return c.record;
  }

  /** The enrolled, unrevoked AK of the requesting host that signed the evidence. */
  private async hostAk(evidence: Evidence, hostId: string, ctx: AttemptContext): Promise<AkRecord> {
    let akName: string;
    try {
      akName = objectName(unmarshal(TPM2B_PUBLIC, evidence.akPublic)).toString('hex');
    } catch {
      return refuseRelease('evidence-refused', 'the evidence AK public area does not parse', 'malformed-evidence');
    }
    ctx.akName = akName;
    const ak = (await this.store.getAk(akName)) ?? refuseRelease('ak-unknown', `AK ${akName} was never enrolled`);
    if (ak.revokedAt !== null) refuseRelease('ak-revoked', `AK ${akName} of host ${ak.hostId} was revoked at ${new Date(ak.revokedAt).toISOString()}`);
    if (ak.hostId !== hostId) refuseRelease('quote-from-different-tpm', `the evidence is signed by AK ${akName}, enrolled for host ${ak.hostId}, not by a TPM of host ${hostId}`);
    return ak;
  }
}

/** Maps the verifier's appraisal onto the release decision: any refusal or contraindicated claim refuses. */
function judgeOutcome(outcome: AppraisalOutcome, policy: ReleasePolicy, ak: AkRecord): void {
  if (outcome.refusal) {
    const r = outcome.refusal;
    if (r.reason === 'nonce-mismatch') refuseRelease('evidence-bound-to-different-key', `the quote's qualifyingData is not SHA-256(nonce || the ephemeral public key of this request): ${r.message}`, r.reason);
    if (r.reason === 'signature-invalid') refuseRelease('quote-from-different-tpm', `the quote does not verify with the AK in the evidence: ${r.message}`, r.reason);
    refuseRelease('evidence-refused', r.message, r.reason);
  }
  const appraisal = Object.values(outcome.result.submods)[0]!;
  const problems = Object.entries(appraisal.annotations ?? {})
    .filter(([k]) => k.endsWith('.problems'))
    .map(([, v]) => String(v));
  const bad = Object.entries(appraisal.trustVector).filter(([, tier]) => tier === TRUST_TIER.contraindicated);
  if (bad.length) refuseRelease('pcr-mismatch', `${bad.map(([claim]) => claim).join(', ')} contraindicated: ${problems.join('; ') || 'see the attestation result'}`);
  if (policy.requireEkCertificate && !ak.ekCertificateJson) refuseRelease('ek-certificate-required', `AK ${ak.akName} was enrolled without an EK certificate and the policy requires one`);
}
