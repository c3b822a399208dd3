import type { AkRecord, KeyVersionRecord, NonceRecord, PolicyVersionRecord, StoredAuditEntry, VmRecord } from './records.js';

/** Rows as drivers return them (snake_case; BIGINT may come back as string from pg). */
export type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : (v as number));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const buf = (v: unknown): Buffer => Buffer.from(v as Uint8Array);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export const vmFromRow = (r: Row): VmRecord => ({ vmId: String(r.vm_id), tenant: String(r.tenant), createdAt: num(r.created_at) });

export const keyFromRow = (r: Row): KeyVersionRecord => ({ vmId: String(r.vm_id), version: num(r.version), sealed: buf(r.sealed), createdAt: num(r.created_at) });

export const policyFromRow = (r: Row): PolicyVersionRecord => ({ vmId: String(r.vm_id), version: num(r.version), policyJson: String(r.policy_json), createdAt: num(r.created_at) });

export const akFromRow = (r: Row): AkRecord => ({
  akName: String(r.ak_name),
  hostId: String(r.host_id),
  akPublic: buf(r.ak_public),
  ekName: String(r.ek_name),
  ekPublic: buf(r.ek_public),
  ekCertificateJson: strOrNull(r.ek_certificate_json),
  enrolledAt: num(r.enrolled_at),
  revokedAt: numOrNull(r.revoked_at),
});

export const nonceFromRow = (r: Row): NonceRecord => ({
  nonceId: String(r.nonce_id),
  nonce: buf(r.nonce),
  vmId: String(r.vm_id),
  hostId: String(r.host_id),
  policyVersion: num(r.policy_version),
  issuedAt: num(r.issued_at),
  expiresAt: num(r.expires_at),
  usedAt: numOrNull(r.used_at),
});

export const auditFromRow = (r: Row): StoredAuditEntry => ({
  seq: num(r.seq),
  at: num(r.at),
  outcome: String(r.outcome) as StoredAuditEntry['outcome'],
  reason: strOrNull(r.reason),
  message: String(r.message),
  vmId: strOrNull(r.vm_id),
  hostId: strOrNull(r.host_id),
  akName: strOrNull(r.ak_name),
  nonceId: strOrNull(r.nonce_id),
  keyVersion: numOrNull(r.key_version),
  policyVersion: numOrNull(r.policy_version),
});
