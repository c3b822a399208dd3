import Database from 'better-sqlite3';
import type { BrokerStore } from './brokerStore.js';
import type { AkRecord, AuditEntry, AuditQuery, ConsumeOutcome, KeyVersionRecord, NonceRecord, PolicyVersionRecord, StoredAuditEntry, VmRecord } from './records.js';
import { akFromRow, auditFromRow, keyFromRow, nonceFromRow, policyFromRow, vmFromRow, type Row } from './rowMapping.js';
import { schemaStatements } from './schema.js';

/**
 * The embedded default: one SQLite file. WAL with synchronous=FULL so a committed nonce
 * consumption or audit line survives a SIGKILL or power loss; better-sqlite3 is synchronous,
 * so every method here is one atomic step of the event loop.
 */
export class SqliteStore implements BrokerStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    for (const s of schemaStatements('sqlite')) this.db.exec(s);
  }

  private one(sql: string, ...args: unknown[]): Row | undefined {
    return this.db.prepare(sql).get(...args) as Row | undefined;
  }

  private all(sql: string, ...args: unknown[]): Row[] {
    return this.db.prepare(sql).all(...args) as Row[];
  }

  async getMeta(key: string): Promise<Buffer | null> {
    const r = this.one('SELECT value FROM broker_meta WHERE key = ?', key);
    return r ? Buffer.from(r.value as Uint8Array) : null;
  }

  async initMeta(key: string, value: Buffer): Promise<Buffer> {
    this.db.prepare('INSERT INTO broker_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, value);
    return (await this.getMeta(key))!;
  }

  async addVm(vm: VmRecord): Promise<void> {
    this.db.prepare('INSERT INTO vms (vm_id, tenant, created_at) VALUES (?, ?, ?)').run(vm.vmId, vm.tenant, vm.createdAt);
  }

  async getVm(vmId: string): Promise<VmRecord | null> {
    const r = this.one('SELECT * FROM vms WHERE vm_id = ?', vmId);
    return r ? vmFromRow(r) : null;
  }

  async listVms(): Promise<VmRecord[]> {
    return this.all('SELECT * FROM vms ORDER BY vm_id').map(vmFromRow);
  }

  async addKeyVersion(vmId: string, sealedFor: (version: number) => Buffer, at: number): Promise<number> {
    return this.db.transaction(() => {
      const version = Number(this.one('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM vm_keys WHERE vm_id = ?', vmId)!.v);
      this.db.prepare('INSERT INTO vm_keys (vm_id, version, sealed, created_at) VALUES (?, ?, ?, ?)').run(vmId, version, sealedFor(version), at);
      return version;
    }).immediate();
  }

  async currentKey(vmId: string): Promise<KeyVersionRecord | null> {
    const r = this.one('SELECT * FROM vm_keys WHERE vm_id = ? ORDER BY version DESC LIMIT 1', vmId);
    return r ? keyFromRow(r) : null;
  }

  async keyVersion(vmId: string, version: number): Promise<KeyVersionRecord | null> {
    const r = this.one('SELECT * FROM vm_keys WHERE vm_id = ? AND version = ?', vmId, version);
    return r ? keyFromRow(r) : null;
  }

  async addPolicyVersion(vmId: string, policyJson: string, at: number): Promise<number> {
    return this.db.transaction(() => {
      const version = Number(this.one('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM release_policies WHERE vm_id = ?', vmId)!.v);
      this.db.prepare('INSERT INTO release_policies (vm_id, version, policy_json, created_at) VALUES (?, ?, ?, ?)').run(vmId, version, policyJson, at);
      return version;
    }).immediate();
  }

  async currentPolicy(vmId: string): Promise<PolicyVersionRecord | null> {
    const r = this.one('SELECT * FROM release_policies WHERE vm_id = ? ORDER BY version DESC LIMIT 1', vmId);
    return r ? policyFromRow(r) : null;
  }

  async policyVersion(vmId: string, version: number): Promise<PolicyVersionRecord | null> {
    const r = this.one('SELECT * FROM release_policies WHERE vm_id = ? AND version = ?', vmId, version);
    return r ? policyFromRow(r) : null;
  }

  async listPolicyVersions(vmId: string): Promise<PolicyVersionRecord[]> {
    return this.all('SELECT * FROM release_policies WHERE vm_id = ? ORDER BY version', vmId).map(policyFromRow);
  }

  async putAk(ak: AkRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO attestation_keys (ak_name, host_id, ak_public, ek_name, ek_public, ek_certificate_json, enrolled_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (ak_name) DO UPDATE SET host_id = excluded.host_id, ek_certificate_json = excluded.ek_certificate_json, enrolled_at = excluded.enrolled_at, revoked_at = excluded.revoked_at`,
      )
      .run(ak.akName, ak.hostId, ak.akPublic, ak.ekName, ak.ekPublic, ak.ekCertificateJson, ak.enrolledAt, ak.revokedAt);
  }

  async getAk(akName: string): Promise<AkRecord | null> {
    const r = this.one('SELECT * FROM attestation_keys WHERE ak_name = ?', akName);
    return r ? akFromRow(r) : null;
  }

  async revokeHost(hostId: string, at: number): Promise<number> {
    return this.db.prepare('UPDATE attestation_keys SET revoked_at = ? WHERE host_id = ? AND revoked_at IS NULL').run(at, hostId).changes;
  }

  async insertNonce(n: NonceRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO nonces (nonce_id, nonce, vm_id, host_id, policy_version, issued_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(n.nonceId, n.nonce, n.vmId, n.hostId, n.policyVersion, n.issuedAt, n.expiresAt, n.usedAt);
  }

  async consumeNonce(nonceId: string, at: number): Promise<ConsumeOutcome> {
    const consumed = this.one('UPDATE nonces SET used_at = ? WHERE nonce_id = ? AND used_at IS NULL RETURNING *', at, nonceId);
    if (consumed) return { status: 'consumed', record: nonceFromRow(consumed) };
    const existing = this.one('SELECT * FROM nonces WHERE nonce_id = ?', nonceId);
    return existing ? { status: 'already-used', record: nonceFromRow(existing) } : { status: 'unknown' };
  }

  async appendAudit(e: AuditEntry): Promise<number> {
    const r = this.db
      .prepare('INSERT INTO audit_log (at, outcome, reason, message, vm_id, host_id, ak_name, nonce_id, key_version, policy_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.at, e.outcome, e.reason, e.message, e.vmId, e.hostId, e.akName, e.nonceId, e.keyVersion, e.policyVersion);
    return Number(r.lastInsertRowid);
  }

  async listAudit(q: AuditQuery = {}): Promise<StoredAuditEntry[]> {
    const rows = this.all(
      'SELECT * FROM audit_log WHERE (? IS NULL OR vm_id = ?) AND seq > ? ORDER BY seq LIMIT ?',
      q.vmId ?? null,
      q.vmId ?? null,
      q.afterSeq ?? 0,
      q.limit ?? 1000,
    );
    return rows.map(auditFromRow);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
