import { readArguments, type OptionSpec, type ParsedOption } from './argvReader.js';
import { parseNonNegativeInteger, parsePort } from './numbers.js';
import { OptionLookup } from './optionLookup.js';
import { UsageError } from './usageError.js';

/** `vtpm broker serve|vm add|policy set|policy show|log|host enrol|host revoke ...`. */
export type BrokerAction = 'serve' | 'vm add' | 'policy set' | 'policy show' | 'log' | 'host enrol' | 'host revoke';

export type MasterKeySpec = { file: string; create: boolean } | { pwdfile: string };

export interface BrokerOptions {
  help: boolean;
  action: BrokerAction | null;
  /** serve: a SQLite file or a postgres:// URL. */
  db: { sqlite: string } | { postgres: string } | null;
  masterKey: MasterKeySpec | null;
  host: string;
  port: number;
  adminTokenFile: string | null;
  /** serve: certificates of the TPM manufacturers' CAs an enrolling host's EK certificate must chain to. */
  ekCaFiles: string[];
  /** Client actions: the broker's base URL. */
  url: string;
  vmId: string | null;
  generateKey: boolean;
  keyFile: string | null;
  tenant: string | null;
  policyFile: string | null;
  version: number | null;
  after: number | null;
  limit: number | null;
  json: boolean;
  /** host enrol: the host directory whose TPM enrols, and the name it is enrolled under. */
  hostDir: string | null;
  hostId: string | null;
}

const SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  { name: '--db', takesValue: true },
  { name: '--master-key', takesValue: true },
  { name: '--host', takesValue: true },
  { name: '--port', aliases: ['-p'], takesValue: true },
  { name: '--admin-token-file', takesValue: true },
  { name: '--url', takesValue: true },
  { name: '--generate-key', takesValue: false },
  { name: '--key-file', takesValue: true },
  { name: '--tenant', takesValue: true },
  { name: '--file', aliases: ['-f'], takesValue: true },
  { name: '--version', takesValue: true },
  { name: '--after', takesValue: true },
  { name: '--limit', takesValue: true },
  { name: '--json', takesValue: false },
  { name: '--ek-ca', takesValue: true },
  { name: '--host-dir', takesValue: true },
  { name: '--host-id', takesValue: true },
];

const COMMON = ['--help', '--admin-token-file'];
const CLIENT = [...COMMON, '--url'];
const ACTION_OPTIONS: Record<BrokerAction, readonly string[]> = {
  serve: [...COMMON, '--db', '--master-key', '--host', '--port', '--ek-ca'],
  'vm add': [...CLIENT, '--generate-key', '--key-file', '--tenant'],
  'policy set': [...CLIENT, '--file'],
  'policy show': [...CLIENT, '--version', '--json'],
  log: [...CLIENT, '--after', '--limit', '--json'],
  'host enrol': [...CLIENT, '--host-dir', '--host-id'],
  'host revoke': CLIENT,
};
/** How many operands (after the action words) each action takes: the VM id. */
const OPERANDS: Record<BrokerAction, { min: number; max: number }> = {
  serve: { min: 0, max: 0 },
  'vm add': { min: 1, max: 1 },
  'policy set': { min: 1, max: 1 },
  'policy show': { min: 1, max: 1 },
  log: { min: 0, max: 1 },
  'host enrol': { min: 0, max: 0 },
  'host revoke': { min: 1, max: 1 },
};
const GROUPS: Record<string, readonly string[]> = { vm: ['add'], policy: ['set', 'show'], host: ['enrol', 'revoke'] };
const ACTIONS = 'serve, vm add, policy set, policy show, log, host enrol, host revoke';

/** `--master-key file=PATH[,create]` or `pwdfile=PATH`. */
export function parseMasterKey(command: string, text: string): MasterKeySpec {
  const [first, ...rest] = text.split(',');
  const eq = first!.indexOf('=');
  const kind = first!.slice(0, eq);
  const path = first!.slice(eq + 1);
  if (eq < 0 || !path || (kind !== 'file' && kind !== 'pwdfile')) throw new UsageError(`${command}: --master-key: give file=PATH[,create] or pwdfile=PATH, not '${text}'`);
  const unknown = rest.find((r) => !(kind === 'file' && r === 'create'));
  if (unknown !== undefined) throw new UsageError(`${command}: --master-key: unknown option '${unknown}'${kind === 'file' ? ' (create is the only one)' : ''}`);
  return kind === 'file' ? { file: path, create: rest.includes('create') } : { pwdfile: path };
}

function number(command: string, o: OptionLookup, name: string): number | null {
  const v = o.value(name);
  return v === null ? null : parseNonNegativeInteger(`${command}: ${name}`, v);
}

export function parseBrokerOptions(argv: readonly string[]): BrokerOptions {
  const COMMAND = 'vtpm broker';
  const { options, operands } = readArguments(COMMAND, argv, SPECS, 3);
  const help = options.some((o) => o.name === '--help');
  let action: BrokerAction | null = null;
  let rest = operands;
  if (operands[0] !== undefined) {
    const group = GROUPS[operands[0]];
    if (group) {
      if (operands[1] === undefined && !help) throw new UsageError(`${COMMAND} ${operands[0]}: give an action (${group.join(', ')})`);
      if (operands[1] !== undefined && !group.includes(operands[1])) throw new UsageError(`${COMMAND} ${operands[0]}: unknown action '${operands[1]}' (${group.join(', ')})`);
      if (operands[1] !== undefined) action = `${operands[0]} ${operands[1]}` as BrokerAction;
      rest = operands.slice(2);
    } else if (operands[0] === 'serve' || operands[0] === 'log') {
      action = operands[0];
      rest = operands.slice(1);
    } else throw new UsageError(`${COMMAND}: unknown action '${operands[0]}' (${ACTIONS}; ${COMMAND} --help)`);
  } else if (!help) throw new UsageError(`${COMMAND}: give an action (${ACTIONS})`);
  const command = action ? `${COMMAND} ${action}` : COMMAND;
  const o = new OptionLookup(command, options);
  if (action) {
    const bad = options.find((x: ParsedOption) => !ACTION_OPTIONS[action!].includes(x.name));
    if (bad) throw new UsageError(`${command}: ${bad.spelling} does not apply here`);
    const { min, max } = OPERANDS[action];
    if (rest.length > max) throw new UsageError(`${command}: unexpected argument '${rest[max]}'`);
    if (rest.length < min && !help) throw new UsageError(`${command}: give the ${action === 'host revoke' ? "host's id (as enrolled with --host-id)" : "VM's id"}`);
  }
  const vmId = rest[0] ?? null;
  if (vmId !== null && !/^[A-Za-z0-9._:-]+$/.test(vmId)) throw new UsageError(`${command}: ${action === 'host revoke' ? 'host' : 'VM'} id '${vmId}' may hold letters, digits, '.', '_', ':' and '-' only`);
  o.exclusive('--generate-key', '--key-file');
  const serve = action === 'serve' && !help;
  const db = serve ? o.required('--db', 'FILE, a SQLite database, or postgres://USER:PW@HOST/DB') : o.value('--db');
  const masterKey = serve ? o.required('--master-key', 'file=PATH[,create] or pwdfile=PATH') : o.value('--master-key');
  const url = o.value('--url') ?? (process.env.VTPM_BROKER_URL || null);
  if (!help && action !== null && action !== 'serve' && url === null) throw new UsageError(`${command}: --url is required (the broker's URL, e.g. http://127.0.0.1:2730; or set VTPM_BROKER_URL)`);
  if (url !== null && action !== 'serve' && !/^https?:\/\/[^/]+\/?$/.test(url)) throw new UsageError(`${command}: --url: give http://HOST:PORT or https://HOST:PORT, not '${url}'`);
  if (!help && action === 'policy set' && !o.has('--file')) throw new UsageError(`${command}: --file is required (policy.json, the release policy)`);
  const enrolling = !help && action === 'host enrol';
  const hostDir = enrolling ? o.required('--host-dir', 'DIR, the host directory whose TPM enrols') : o.value('--host-dir');
  const hostId = enrolling ? o.required('--host-id', 'ID, the name the broker knows this host by: vtpm host serve --host-id ID') : o.value('--host-id');
  if (hostId !== null && !/^[A-Za-z0-9._:-]+$/.test(hostId)) throw new UsageError(`${command}: --host-id '${hostId}' may hold letters, digits, '.', '_', ':' and '-' only`);
  const port = o.value('--port');
  return {
    help,
    action,
    db: db === null ? null : /^postgres(ql)?:\/\//.test(db) ? { postgres: db } : { sqlite: db },
    masterKey: masterKey === null ? null : parseMasterKey(command, masterKey),
    host: o.value('--host') ?? '127.0.0.1',
    port: port === null ? 0 : parsePort(`${command}: --port`, port),
    adminTokenFile: o.value('--admin-token-file'),
    url: url ?? '',
    vmId,
    generateKey: o.has('--generate-key'),
    keyFile: o.value('--key-file'),
    tenant: o.value('--tenant'),
    policyFile: o.value('--file'),
    version: number(command, o, '--version'),
    after: number(command, o, '--after'),
    limit: number(command, o, '--limit'),
    json: o.has('--json'),
    ekCaFiles: options.filter((x) => x.name === '--ek-ca').map((x) => x.value!),
    hostDir,
    hostId,
  };
}
