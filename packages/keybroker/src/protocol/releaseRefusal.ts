/**
 * Why the broker refused to release a key. Each goes into the response and the audit log, with a
 * message that starts with the reason and says what was wrong.
 */
export type ReleaseRefusalReason =
  /** No such VM, or it has no key. */
  | 'unknown-vm'
  /** The VM has no release policy yet: nothing may be released. */
  | 'no-release-policy'
  /** A nonce this broker never issued. */
  | 'nonce-unknown'
  /** A nonce already answered (every answer, accepted or not, uses it up). */
  | 'nonce-replayed'
  /** A nonce answered after its expiry. */
  | 'nonce-expired'
  /** The nonce was issued for another VM (whose policy the evidence was made for) or another host. */
  | 'policy-for-different-vm'
  /** The AK that signed the evidence was never enrolled. */
  | 'ak-unknown'
  /** The AK's host was revoked. */
  | 'ak-revoked'
  /** The quote comes from a TPM enrolled for another host than the one that asked. */
  | 'quote-from-different-tpm'
  /** The quote's qualifyingData is not H(nonce || the ephemeral key the key would be wrapped to). */
  | 'evidence-bound-to-different-key'
  /** The quoted PCRs do not match the VM's release policy. */
  | 'pcr-mismatch'
  /** The AK's enrolment had no EK certificate and the policy requires one. */
  | 'ek-certificate-required'
  /** The verifier refused the evidence for another reason (see verifierReason). */
  | 'evidence-refused'
  /** Too many attestation attempts from this host; retry later. */
  | 'rate-limited'
  /** The request itself is malformed (missing fields, bad ephemeral key). */
  | 'bad-request';

export class ReleaseRefusal extends Error {
  constructor(
    readonly reason: ReleaseRefusalReason,
    detail: string,
    /** The verifier's own reason when the evidence was refused by @vtpm/attest. */
    readonly verifierReason: string | null = null,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'ReleaseRefusal';
  }
}

export function refuseRelease(reason: ReleaseRefusalReason, detail: string, verifierReason: string | null = null): never {
  throw new ReleaseRefusal(reason, detail, verifierReason);
}
