/** `vtpm broker --help`. */
export const BROKER_HELP = `Usage: vtpm broker serve|vm add|policy set|policy show|log|host enrol|host revoke [options]

The key broker (@vtpm/keybroker): keeps every VM's key outside every host and releases it, wrapped
to an ephemeral key, only to a host whose fresh TPM quote meets the VM's release policy.

  serve --db FILE|postgres://USER:PW@HOST/DB --master-key file=PATH[,create]|pwdfile=PATH
        [--host ADDRESS] [--port N] [--admin-token-file F] [--ek-ca CA.pem ...]
                               serve the broker over HTTP (default 127.0.0.1; port 0, the default,
                               picks a free one: the listening line says which). --db: a SQLite
                               file, or a PostgreSQL URL; --master-key: 32 octets or 64 hex digits
                               in PATH (create: make it when missing, mode 0600), or a passphrase
                               in PATH (scrypt). --admin-token-file: tenant and registrar routes
                               need this bearer token (without it they are open). --ek-ca: an
                               enrolling host's EK certificate must chain to this TPM manufacturer
                               CA (PEM or DER; repeatable); without it, hosts enrol without one
  vm add VM [--generate-key | --key-file F] [--tenant T]
                               define VM with a key the broker generates (the default) or F's
  policy set VM --file policy.json
                               a new version of VM's release policy
  policy show VM [--version N] [--json]
  log [VM] [--after SEQ] [--limit N] [--json]
                               the audit log (releases, refusals, tenant changes, enrolments)
  host enrol --host-dir DIR --host-id ID
                               enrol the host's attestation key under ID (credential activation
                               with its certified EK), so the broker can release VM keys to it
                               (vtpm host serve --broker URL --host-id ID); enrolling again
                               renews it. Before vtpm host serve: refused while a daemon holds
                               DIR's TPM
  host revoke HOST             revoke every AK enrolled under HOST: no key is released to it
                               any more, and its AK cannot be enrolled again

Client options (all but serve):
  --url http://HOST:PORT       the broker (default: $VTPM_BROKER_URL)
  --admin-token-file F         the bearer token serve was given
  -h, --help                   this help

SIGINT / SIGTERM stop serve; exit code 0.
`;
