import { digestSize, hash } from '../crypto/hashAlgorithms.js';

/** What the policy session's u1 digest holds (Part 1, 19.7: PolicyCpHash, PolicyNameHash, PolicyTemplate, PolicyDuplicationSelect). */
export type BoundDigestKind = 'cpHash' | 'nameHash' | 'templateHash';

const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

/**
 * The policy part of a policy or trial session (Part 1, 19.7; the reference's SESSION u1/u2,
 * commandCode, commandLocality, timeout, pcrCounter and policy attributes). Policy commands
 * extend `digest` and record the deferred checks that authorization applies later.
 */
export class PolicyState {
  digest: Buffer;
  /** PolicyCommandCode / PolicyDuplicationSelect: the only command this session may authorize; 0 when unset. */
  commandCode = 0;
  /** PolicyLocality: TPMA_LOCALITY in canonical form; 0 when unset. */
  locality = 0;
  /** cpHash, nameHash or templateHash the authorized command must match; empty when unset. */
  boundDigest: Buffer = Buffer.alloc(0);
  boundDigestKind: BoundDigestKind | null = null;
  /** Absolute TPM Time (ms) after which the session no longer authorizes; 0n when none. */
  timeout = 0n;
  /** The PCR update counter PolicyPCR saw; null when PolicyPCR has not been run. */
  pcrUpdateCounter: number | null = null;
  /** PolicyAuthValue: the HMAC key includes the entity's authValue. */
  isAuthValueNeeded = false;
  /** PolicyPassword: the HMAC field carries the entity's authValue in the clear. */
  isPasswordNeeded = false;
  /** PolicyPhysicalPresence */
  isPPRequired = false;
  /** PolicyNvWritten: the TPMA_NV_WRITTEN state the authorized index must have; null when unset. */
  nvWritten: boolean | null = null;

  constructor(readonly hashAlg: number) {
    this.digest = Buffer.alloc(digestSize(hashAlg));
  }

  /** policyDigest := H(policyDigest || commandCode || parts...) (Part 3, 23: every policy command). */
  extend(commandCode: number, ...parts: Uint8Array[]): void {
    this.digest = hash(this.hashAlg, this.digest, u32(commandCode), ...parts);
  }

  /**
   * PolicyUpdate (Part 3, 23.2.3; the reference's PolicyContextUpdate): extend by the command code
   * and the authorizing entity's Name, then, when a policyRef is given, a second time by it.
   */
  update(commandCode: number, name: Buffer, policyRef: Buffer | null): void {
    this.extend(commandCode, name);
    if (policyRef) this.digest = hash(this.hashAlg, this.digest, policyRef);
  }

  /** Restricts the session to an expiry time, keeping the earliest one. */
  limitTimeout(timeout: bigint): void {
    if (timeout !== 0n && (this.timeout === 0n || this.timeout > timeout)) this.timeout = timeout;
  }

  /** Zero digest, no deferred checks (PolicyRestart, and after each use with continueSession). */
  reset(): void {
    this.digest = Buffer.alloc(digestSize(this.hashAlg));
    this.commandCode = 0;
    this.locality = 0;
    this.boundDigest = Buffer.alloc(0);
    this.boundDigestKind = null;
    this.timeout = 0n;
    this.pcrUpdateCounter = null;
    this.isAuthValueNeeded = false;
    this.isPasswordNeeded = false;
    this.isPPRequired = false;
    this.nvWritten = null;
  }
}
