import type { AkRecord, AuditEntry, AuditQuery, ConsumeOutcome, KeyVersionRecord, NonceRecord, PolicyVersionRecord, StoredAuditEntry, VmRecord } from './records.js';

/**
 * Everything the broker persists, behind one interface so SQLite (one machine) and PostgreSQL
 * (replicas sharing a database) are interchangeable. Methods are atomic on their own; the one
 * that matters most is consumeNonce: of any number of concurrent calls for a nonce, across
 * processes, exactly one sees 'consumed'.
 */
export interface BrokerStore {
  readonly kind: 'sqlite' | 'postgres';

  getMeta(key: string): Promise<Buffer | null>;
  /** Sets a value only if the key has none; returns the value in force (first writer wins across replicas). */
  initMeta(key: string, value: Buffer): Promise<Buffer>;

  addVm(vm: VmRecord): Promise<void>;
  getVm(vmId: string): Promise<VmRecord | null>;
  listVms(): Promise<VmRecord[]>;

  /** Stores the next key version (1, 2, ...) and returns it. */
  addKeyVersion(vmId: string, sealedFor: (version: number) => Buffer, at: number): Promise<number>;
  currentKey(vmId: string): Promise<KeyVersionRecord | null>;
  keyVersion(vmId: string, version: number): Promise<KeyVersionRecord | null>;

  addPolicyVersion(vmId: string, policyJson: string, at: number): Promise<number>;
  currentPolicy(vmId: string): Promise<PolicyVersionRecord | null>;
  policyVersion(vmId: string, version: number): Promise<PolicyVersionRecord | null>;
  listPolicyVersions(vmId: string): Promise<PolicyVersionRecord[]>;

  putAk(ak: AkRecord): Promise<void>;
  getAk(akName: string): Promise<AkRecord | null>;
  /** Revokes every AK of a host; returns how many were revoked. */
  revokeHost(hostId: string, at: number): Promise<number>;

  insertNonce(nonce: NonceRecord): Promise<void>;
  /** Marks the nonce used if it was not; atomic across connections and processes. */
  consumeNonce(nonceId: string, at: number): Promise<ConsumeOutcome>;

  appendAudit(entry: AuditEntry): Promise<number>;
  listAudit(query?: AuditQuery): Promise<StoredAuditEntry[]>;

  close(): Promise<void>;
}
