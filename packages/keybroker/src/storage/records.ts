/** Rows the broker keeps. Times are milliseconds since the epoch; byte fields are Buffers. */

export interface VmRecord {
  vmId: string;
  tenant: string;
  createdAt: number;
}

/** One version of a VM's key, sealed under the master key (never stored in clear). */
export interface KeyVersionRecord {
  vmId: string;
  version: number;
  sealed: Buffer;
  createdAt: number;
}

/** One version of a VM's release policy (JSON from releasePolicy.ts's encoder). */
export interface PolicyVersionRecord {
  vmId: string;
  version: number;
  policyJson: string;
  createdAt: number;
}

/** An AK the registrar enrolled for a host, and whether the host was revoked since. */
export interface AkRecord {
  /** Hex of the AK's Name. */
  akName: string;
  hostId: string;
  /** TPM2B_PUBLIC octets. */
  akPublic: Buffer;
  ekName: string;
  ekPublic: Buffer;
  /** EK certificate report as JSON, or null when the enrolment had no certificate. */
  ekCertificateJson: string | null;
  enrolledAt: number;
  revokedAt: number | null;
}

/** A challenge: single use, expiring, issued to one host for one VM under one policy version. */
export interface NonceRecord {
  nonceId: string;
  nonce: Buffer;
  vmId: string;
  hostId: string;
  policyVersion: number;
  issuedAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export type ConsumeOutcome =
  | { status: 'consumed'; record: NonceRecord }
  | { status: 'unknown' }
  | { status: 'already-used'; record: NonceRecord };

export type AuditOutcome = 'released' | 'refused' | 'challenge' | 'enrolled' | 'revoked' | 'key-set' | 'policy-set' | 'vm-added';

/** One line of the append-only audit log. */
export interface AuditEntry {
  at: number;
  outcome: AuditOutcome;
  /** Machine-readable refusal reason (refused), otherwise null. */
  reason: string | null;
  message: string;
  vmId: string | null;
  hostId: string | null;
  akName: string | null;
  nonceId: string | null;
  keyVersion: number | null;
  policyVersion: number | null;
}

export interface StoredAuditEntry extends AuditEntry {
  seq: number;
}

export interface AuditQuery {
  vmId?: string;
  afterSeq?: number;
  limit?: number;
}
