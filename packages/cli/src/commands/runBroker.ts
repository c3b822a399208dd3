import { X509Certificate } from 'node:crypto';
import { BrokerClient, BrokerRefused, serveBroker, type MasterKeySource, type RunningBroker, type StoredAuditEntry } from '@vtpm/keybroker';
import { parseBrokerOptions, type BrokerOptions } from '../args/brokerOptions.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { readInputFile } from '../runtime/files.js';
import { Logger } from '../runtime/logger.js';
import { serveUntilStopped } from '../runtime/serveUntilStopped.js';
import { BROKER_HELP } from './brokerHelpText.js';
import { enrolHost } from './brokerHostEnrol.js';

/** `vtpm broker serve|vm add|policy set|policy show|log|host enrol`: the key broker, its tenant API and host enrolment. */
export async function runBroker(argv: readonly string[]): Promise<void> {
  const opts = parseBrokerOptions(argv);
  if (opts.help || opts.action === null) return void process.stdout.write(BROKER_HELP);
  const command = `vtpm broker ${opts.action}`;
  const token = opts.adminTokenFile === null ? undefined : readSecret(command, '--admin-token-file', opts.adminTokenFile);
  if (opts.action === 'serve') return serve(command, opts, token);
  const client = new BrokerClient(opts.url, { encoding: 'json', ...(token ? { adminToken: token } : {}) });
  try {
    await tenantCall(command, opts, client);
  } catch (e) {
    if (e instanceof CommandFailure) throw e;
    if (e instanceof BrokerRefused) throw new CommandFailure(`${command}: the broker refused (HTTP ${e.status}): ${e.message}`);
    const code = (e as NodeJS.ErrnoException).code;
    // Socket errors carry an errno code; anything else failed here (a TPM command, a malformed answer).
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw new CommandFailure(`${command}: cannot reach the broker at ${opts.url} (${code})`);
    throw new CommandFailure(`${command}: ${((e as Error).message ?? String(e)).replace(/\s*\n\s*/g, ' ')}`);
  }
}

/** A token or passphrase file: its first line (a trailing newline is not part of it). */
function readSecret(command: string, what: string, path: string): string {
  const text = readInputFile(command, what, path).toString('utf8').replace(/\r?\n$/, '');
  if (!text) throw new CommandFailure(`${command}: ${what} ${path} is empty`);
  return text;
}

async function serve(command: string, opts: BrokerOptions, adminToken: string | undefined): Promise<void> {
  const mk = opts.masterKey!;
  const masterKey: MasterKeySource = 'file' in mk ? { file: mk.file, create: mk.create } : { passphrase: readSecret(command, '--master-key pwdfile=', mk.pwdfile) };
  const ekRoots = opts.ekCaFiles.map((f) => readCertificate(command, '--ek-ca', f));
  let broker: RunningBroker;
  try {
    broker = await serveBroker({ store: opts.db!, masterKey, host: opts.host, port: opts.port, ...(adminToken ? { adminToken } : {}), ...(ekRoots.length ? { registrar: { ekRoots } } : {}) });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') throw new CommandFailure(`${command}: cannot listen on ${opts.host}:${opts.port}: ${err.code}`);
    throw new CommandFailure(`${command}: ${(err.message ?? String(e)).replace(/\s*\n\s*/g, ' ')}`);
  }
  let stopped!: () => void;
  const server = {
    closed: new Promise<void>((resolve) => (stopped = resolve)),
    close: async () => {
      await broker.close();
      stopped();
    },
  };
  const serving = serveUntilStopped(server, new Logger(null), []);
  const store = 'sqlite' in opts.db! ? `SQLite ${opts.db.sqlite}` : `PostgreSQL ${redact(opts.db!.postgres)}`;
  const enrolment = ekRoots.length ? `; enrolling hosts' EK certificates checked against ${ekRoots.length} CA${ekRoots.length === 1 ? '' : 's'}` : '';
  process.stdout.write(`vtpm: key broker listening on ${broker.url} (store ${store}; tenant routes ${adminToken ? 'need the admin token' : 'open: no --admin-token-file'}${enrolment})\n`);
  await serving;
}

/** A CA certificate file (PEM or DER), checked now: a wrong file fails the start, not every enrolment. */
function readCertificate(command: string, what: string, path: string): Buffer {
  const bytes = readInputFile(command, what, path);
  try {
    return Buffer.from(new X509Certificate(bytes).raw);
  } catch {
    throw new CommandFailure(`${command}: ${what} ${path}: not an X.509 certificate (PEM or DER); the TPM manufacturer's CA is ca.pem of vtpm host init --ca DIR (vtpm ca export --ca-dir DIR)`);
  }
}

/** A PostgreSQL URL without its password, for printing. */
const redact = (url: string): string => url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');

async function tenantCall(command: string, opts: BrokerOptions, client: BrokerClient): Promise<void> {
  const vmId = opts.vmId!;
  switch (opts.action) {
    case 'vm add': {
      const key = opts.keyFile === null ? undefined : readInputFile(command, '--key-file', opts.keyFile);
      const version = await client.addVm(vmId, { ...(key ? { key } : {}), ...(opts.tenant !== null ? { tenant: opts.tenant } : {}) });
      key?.fill(0);
      process.stdout.write(`VM ${vmId}: key version ${version} (${key ? `uploaded from ${opts.keyFile}` : 'generated by the broker; it leaves only wrapped to an attested host'})\n`);
      return;
    }
    case 'host revoke': {
      const revoked = await client.revokeHost(vmId);
      if (revoked === 0) throw new CommandFailure(`${command}: host ${vmId} has no enrolled, unrevoked AK at the broker (vtpm broker log shows enrolments)`);
      process.stdout.write(`host ${vmId}: ${revoked} AK${revoked === 1 ? '' : 's'} revoked; the broker releases no key to it from now on, and its AK cannot be enrolled again\n`);
      return;
    }
    case 'policy set': {
      const text = readInputFile(command, '--file', opts.policyFile!).toString('utf8');
      let policy: unknown;
      try {
        policy = JSON.parse(text);
      } catch (e) {
        throw new CommandFailure(`${command}: --file ${opts.policyFile}: not JSON (${(e as Error).message})`);
      }
      const version = await client.setPolicy(vmId, policy as Parameters<BrokerClient['setPolicy']>[1]);
      process.stdout.write(`VM ${vmId}: release policy version ${version}\n`);
      return;
    }
    case 'policy show': {
      const answer = await client.policy(vmId, opts.version ?? undefined);
      if (answer.policy === null) throw new CommandFailure(`${command}: VM ${vmId} has no release policy${opts.version !== null ? ` version ${opts.version}` : ''}`);
      process.stdout.write(opts.json ? `${JSON.stringify(answer, null, 2)}\n` : `VM ${vmId}: release policy version ${answer.version}\n${JSON.stringify(answer.policy, null, 2)}\n`);
      return;
    }
    case 'log': {
      const entries = await client.releaseLog({ ...(opts.vmId !== null ? { vmId } : {}), ...(opts.after !== null ? { afterSeq: opts.after } : {}), ...(opts.limit !== null ? { limit: opts.limit } : {}) });
      process.stdout.write(opts.json ? `${JSON.stringify(entries, null, 2)}\n` : logTable(entries));
      return;
    }
    case 'host enrol':
      return enrolHost(command, opts, client);
  }
}

function logTable(entries: readonly StoredAuditEntry[]): string {
  if (!entries.length) return 'no audit entries\n';
  const rows = [
    ['SEQ', 'TIME', 'OUTCOME', 'VM', 'HOST', 'KEY', 'POLICY', 'MESSAGE'],
    ...entries.map((e) => [String(e.seq), new Date(e.at).toISOString(), e.outcome, e.vmId ?? '-', e.hostId ?? '-', e.keyVersion === null ? '-' : `v${e.keyVersion}`, e.policyVersion === null ? '-' : `v${e.policyVersion}`, e.message]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n') + '\n';
}
