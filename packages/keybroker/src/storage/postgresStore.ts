import pg from 'pg';
import type { BrokerStore } from './brokerStore.js';
import type { AkRecord, AuditEntry, AuditQuery, ConsumeOutcome, KeyVersionRecord, NonceRecord, PolicyVersionRecord, StoredAuditEntry, VmRecord } from './records.js';
import { akFromRow, auditFromRow, keyFromRow, nonceFromRow, policyFromRow, vmFromRow, type Row } from './rowMapping.js';
import { schemaStatements } from './schema.js';

/** PostgreSQL's code for a unique-key violation: two replicas raced for the same next version. */
const UNIQUE_VIOLATION = '23505';

/**
 * PostgreSQL backend for several broker replicas sharing one database. Nonce consumption is a
 * single `UPDATE ... WHERE used_at IS NULL RETURNING`: row locking makes exactly one replica's
 * update match, whatever the interleaving.
 */
export class PostgresStore implements BrokerStore {
  readonly kind = 'postgres' as const;

  private constructor(private readonly pool: pg.Pool) {}

  /** Connects and creates the schema (idempotent; serialized by an advisory lock so replicas can start together). */
  static async open(connectionString: string, poolSize = 10): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString, max: poolSize });
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock(7271)');
      for (const s of schemaStatements('postgres')) await client.query(s);
    } finally {
      await client.query('SELECT pg_advisory_unlock(7271)').catch(() => undefined);
      client.release();
    }
    return new PostgresStore(pool);
  }

  private async one(sql: string, args: unknown[]): Promise<Row | undefined> {
    return (await this.pool.query(sql, args)).rows[0] as Row | undefined;
  }

  private async all(sql: string, args: unknown[]): Promise<Row[]> {
    return (await this.pool.query(sql, args)).rows as Row[];
  }

  async getMeta(key: string): Promise<Buffer | null> {
    const r = await this.one('SELECT value FROM broker_meta WHERE key = $1', [key]);
    return r ? Buffer.from(r.value as Uint8Array) : null;
  }

  async initMeta(key: string, value: Buffer): Promise<Buffer> {
    await this.pool.query('INSERT INTO broker_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
    return (await this.getMeta(key))!;
  }

  async addVm(vm: VmRecord): Promise<void> {
    await this.pool.query('INSERT INTO vms (vm_id, tenant, created_at) VALUES ($1, $2, $3)', [vm.vmId, vm.tenant, vm.createdAt]);
  }

  async getVm(vmId: string): Promise<VmRecord | null> {
    const r = await this.one('SELECT * FROM vms WHERE vm_id = $1', [vmId]);
    return r ? vmFromRow(r) : null;
  }

  async listVms(): Promise<VmRecord[]> {
    return (await this.all('SELECT * FROM vms ORDER BY vm_id', [])).map(vmFromRow);
  }

  /** Next version = max + 1; a replica that loses the race on the primary key retries. */
  private async insertNextVersion(table: 'vm_keys' | 'release_policies', column: 'sealed' | 'policy_json', vmId: string, valueFor: (v: number) => unknown, at: number): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const next = Number((await this.one(`SELECT COALESCE(MAX(version), 0) + 1 AS v FROM ${table} WHERE vm_id = $1`, [vmId]))!.v);
      try {
        await this.pool.query(`INSERT INTO ${table} (vm_id, version, ${column}, created_at) VALUES ($1, $2, $3, $4)`, [vmId, next, valueFor(next), at]);
        return next;
      } catch (e) {
        if ((e as { code?: string }).code !== UNIQUE_VIOLATION || attempt > 20) throw e;
      }
    }
  }

  addKeyVersion(vmId: string, sealedFor: (version: number) => Buffer, at: number): Promise<number> {
    return this.insertNextVersion('vm_keys', 'sealed', vmId, sealedFor, at);
  }

  async currentKey(vmId: string): Promise<KeyVersionRecord | null> {
    const r = await this.one('SELECT * FROM vm_keys WHERE vm_id = $1 ORDER BY version DESC LIMIT 1', [vmId]);
    return r ? keyFromRow(r) : null;
  }

  async keyVersion(vmId: string, version: number): Promise<KeyVersionRecord | null> {
    const r = await this.one('SELECT * FROM vm_keys WHERE vm_id = $1 AND version = $2', [vmId, version]);
    return r ? keyFromRow(r) : null;
  }

  addPolicyVersion(vmId: string, policyJson: string, at: number): Promise<number> {
    return this.insertNextVersion('release_policies', 'policy_json', vmId, () => policyJson, at);
  }

  async currentPolicy(vmId: string): Promise<PolicyVersionRecord | null> {
    const r = await this.one('SELECT * FROM release_policies WHERE vm_id = $1 ORDER BY version DESC LIMIT 1', [vmId]);
    return r ? policyFromRow(r) : null;
  }

  async policyVersion(vmId: string, version: number): Promise<PolicyVersionRecord | null> {
    const r = await this.one('SELECT * FROM release_policies WHERE vm_id = $1 AND version = $2', [vmId, version]);
    return r ? policyFromRow(r) : null;
  }

  async listPolicyVersions(vmId: string): Promise<PolicyVersionRecord[]> {
    return (await this.all('SELECT * FROM release_policies WHERE vm_id = $1 ORDER BY version', [vmId])).map(policyFromRow);
  }

  async putAk(ak: AkRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO attestation_keys (ak_name, host_id, ak_public, ek_name, ek_public, ek_certificate_json, enrolled_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (ak_name) DO UPDATE SET host_id = excluded.host_id, ek_certificate_json = excluded.ek_certificate_json, enrolled_at = excluded.enrolled_at, revoked_at = excluded.revoked_at`,
      [ak.akName, ak.hostId, ak.akPublic, ak.ekName, ak.ekPublic, ak.ekCertificateJson, ak.enrolledAt, ak.revokedAt],
    );
  }

  async getAk(akName: string): Promise<AkRecord | null> {
    const r = await this.one('SELECT * FROM attestation_keys WHERE ak_name = $1', [akName]);
    return r ? akFromRow(r) : null;
  }

  async revokeHost(hostId: string, at: number): Promise<number> {
    return (await this.pool.query('UPDATE attestation_keys SET revoked_at = $1 WHERE host_id = $2 AND revoked_at IS NULL', [at, hostId])).rowCount ?? 0;
  }

  async insertNonce(n: NonceRecord): Promise<void> {
    await this.pool.query(
      'INSERT INTO nonces (nonce_id, nonce, vm_id, host_id, policy_version, issued_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [n.nonceId, n.nonce, n.vmId, n.hostId, n.policyVersion, n.issuedAt, n.expiresAt, n.usedAt],
    );
  }

  async consumeNonce(nonceId: string, at: number): Promise<ConsumeOutcome> {
    const consumed = await this.one('UPDATE nonces SET used_at = $1 WHERE nonce_id = $2 AND used_at IS NULL RETURNING *', [at, nonceId]);
    if (consumed) return { status: 'consumed', record: nonceFromRow(consumed) };
    const existing = await this.one('SELECT * FROM nonces WHERE nonce_id = $1', [nonceId]);
    return existing ? { status: 'already-used', record: nonceFromRow(existing) } : { status: 'unknown' };
  }

  async appendAudit(e: AuditEntry): Promise<number> {
    const r = await this.one(
      'INSERT INTO audit_log (at, outcome, reason, message, vm_id, host_id, ak_name, nonce_id, key_version, policy_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq',
      [e.at, e.outcome, e.reason, e.message, e.vmId, e.hostId, e.akName, e.nonceId, e.keyVersion, e.policyVersion],
    );
    return Number(r!.seq);
  }

  async listAudit(q: AuditQuery = {}): Promise<StoredAuditEntry[]> {
    const rows = await this.all('SELECT * FROM audit_log WHERE ($1::text IS NULL OR vm_id = $1) AND seq > $2 ORDER BY seq LIMIT $3', [q.vmId ?? null, q.afterSeq ?? 0, q.limit ?? 1000]);
    return rows.map(auditFromRow);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
