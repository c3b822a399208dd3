/**
 * The broker's tables, in SQL both SQLite and PostgreSQL accept (BYTEA/BLOB differ and are
 * substituted). The audit log refuses UPDATE and DELETE with triggers, so "append-only" holds
 * for anything that goes through SQL, not only for this code.
 */
export function schemaStatements(dialect: 'sqlite' | 'postgres'): string[] {
  const bytes = dialect === 'sqlite' ? 'BLOB' : 'BYTEA';
  const serial = dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY';
  const tables = [
    `CREATE TABLE IF NOT EXISTS broker_meta (key TEXT PRIMARY KEY, value ${bytes} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS vms (vm_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, created_at BIGINT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS vm_keys (vm_id TEXT NOT NULL REFERENCES vms(vm_id), version INTEGER NOT NULL, sealed ${bytes} NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (vm_id, version))`,
    `CREATE TABLE IF NOT EXISTS release_policies (vm_id TEXT NOT NULL REFERENCES vms(vm_id), version INTEGER NOT NULL, policy_json TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (vm_id, version))`,
    `CREATE TABLE IF NOT EXISTS attestation_keys (ak_name TEXT PRIMARY KEY, host_id TEXT NOT NULL, ak_public ${bytes} NOT NULL, ek_name TEXT NOT NULL, ek_public ${bytes} NOT NULL, ek_certificate_json TEXT, enrolled_at BIGINT NOT NULL, revoked_at BIGINT)`,
    `CREATE INDEX IF NOT EXISTS attestation_keys_host ON attestation_keys (host_id)`,
    `CREATE TABLE IF NOT EXISTS nonces (nonce_id TEXT PRIMARY KEY, nonce ${bytes} NOT NULL, vm_id TEXT NOT NULL, host_id TEXT NOT NULL, policy_version INTEGER NOT NULL, issued_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT)`,
    `CREATE TABLE IF NOT EXISTS audit_log (seq ${serial}, at BIGINT NOT NULL, outcome TEXT NOT NULL, reason TEXT, message TEXT NOT NULL, vm_id TEXT, host_id TEXT, ak_name TEXT, nonce_id TEXT, key_version INTEGER, policy_version INTEGER)`,
    `CREATE INDEX IF NOT EXISTS audit_log_vm ON audit_log (vm_id, seq)`,
  ];
  const appendOnly =
    dialect === 'sqlite'
      ? [
          `CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
          `CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
        ]
      : [
          `CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`,
          `DO $$ BEGIN
             IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'audit_log_append_only' AND tgrelid = 'audit_log'::regclass) THEN
               CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
             END IF;
           END $$`,
        ];
  return [...tables, ...appendOnly];
}
