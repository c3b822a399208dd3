/**
 * Why the verifier refused a piece of evidence, as a machine-readable code. Every refusal also has a
 * message that starts with its code and says what was wrong, so a log line alone is enough.
 */
export type RefusalReason =
  /** Bytes that do not parse as the structure they claim to be (attest, signature, public area, CBOR). */
  | 'malformed-evidence'
  /** TPMS_ATTEST.magic is not TPM_GENERATED_VALUE: the TPM did not produce this structure. */
  | 'not-tpm-generated'
  /** TPMS_ATTEST.type is not TPM_ST_ATTEST_QUOTE. */
  | 'not-a-quote'
  /** extraData is not the nonce the verifier issued. */
  | 'nonce-mismatch'
  /** The quoted PCR selection differs from the one requested. */
  | 'pcr-selection-mismatch'
  /** The supplied PCR values do not cover the quoted selection (or have the wrong size). */
  | 'pcr-values-missing'
  /** pcrDigest differs from the digest of the supplied PCR values. */
  | 'pcr-digest-mismatch'
  /** A hash (signature or PCR bank) outside the allowed set, e.g. SHA-1 by default. */
  | 'hash-not-allowed'
  /** A signature scheme the verifier does not accept, or one the AK's public area forbids. */
  | 'signature-scheme-not-allowed'
  /** The signature does not verify with the AK's public key. */
  | 'signature-invalid'
  /** The AK's attributes do not make it a TPM-resident restricted signing key. */
  | 'ak-attributes'
  /** A Name does not match the public area it claims to name. */
  | 'ak-name-mismatch'
  /** The quote is not newer than the last one seen from the same AK. */
  | 'replayed-quote'
  /** The EK cannot protect a credential: not an asymmetric restricted decryption key. */
  | 'ek-attributes'
  /** The secret returned by ActivateCredential is not the one sent. */
  | 'credential-mismatch'
  /** An enrolment challenge that is unknown, already used, or expired. */
  | 'enrolment-unknown'
  /** The EK certificate does not chain to a configured root (or the chain is invalid). */
  | 'ek-chain-invalid'
  /** The EK certificate violates the TCG EK credential profile (EKU, basicConstraints, SAN). */
  | 'ek-certificate-profile'
  /** The EK certificate certifies a different key than the EK public area. */
  | 'ek-key-mismatch'
  /** An attestation result that is not the EAR this verifier writes. */
  | 'malformed-result'
  /** An attestation result whose COSE_Sign1 signature or structure does not verify. */
  | 'result-signature-invalid';

/** A refusal: what the verifier returns instead of a value when evidence fails a check. */
export interface Refused {
  readonly ok: false;
  readonly reason: RefusalReason;
  readonly message: string;
}

/** The outcome of a verifier check: the verified value, or why it was refused. */
export type Verdict<T> = { readonly ok: true; readonly value: T } | Refused;

/** Thrown inside the verifier to refuse; `judge` turns it into a `Refused` value at the API boundary. */
export class RefusalError extends Error {
  constructor(
    readonly reason: RefusalReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'RefusalError';
  }

  toVerdict(): Refused {
    return { ok: false, reason: this.reason, message: this.message };
  }
}

/** Guard-clause helper: `if (bad) refuse('nonce-mismatch', 'extraData is not the nonce')`. */
export function refuse(reason: RefusalReason, detail: string): never {
  throw new RefusalError(reason, detail);
}

/** Runs a check; refusals become a `Refused` verdict, anything else (a bug) propagates. */
export function judge<T>(check: () => T): Verdict<T> {
  try {
    return { ok: true, value: check() };
  } catch (e) {
    if (e instanceof RefusalError) return e.toVerdict();
    throw e;
  }
}

/** `judge` for asynchronous checks (certificate chains). */
export async function judgeAsync<T>(check: () => Promise<T>): Promise<Verdict<T>> {
  try {
    return { ok: true, value: await check() };
  } catch (e) {
    if (e instanceof RefusalError) return e.toVerdict();
    throw e;
  }
}

/** The value of an accepted verdict; a refused one is thrown as a RefusalError (for callers that prefer exceptions). */
export function accepted<T>(verdict: Verdict<T>): T {
  if (verdict.ok) return verdict.value;
  throw new RefusalError(verdict.reason, verdict.message.slice(verdict.reason.length + 2));
}
