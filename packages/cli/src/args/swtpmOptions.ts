import { readOptions, type OptionSpec, type ParsedOption } from './argvReader.js';
import { parseKeyValueList } from './keyValueList.js';
import { parseNonNegativeInteger, parsePort } from './numbers.js';
import { UsageError } from './usageError.js';
import type { LogOptions } from './logOptions.js';
import { parseLogOption } from './logOptions.js';
import { OptionLookup } from './optionLookup.js';
import { TPM_STATE_OPTION_SPECS, parseTpmStateOptions, type TpmStateOptions } from './tpmStateOptions.js';

/** Where a TCP channel listens. */
export interface Endpoint {
  host: string;
  port: number;
}

/** `vtpm socket`, from swtpm's `swtpm socket` flags. */
export interface SocketOptions {
  help: boolean;
  printCapabilities: boolean;
  server: Endpoint;
  /** Null without --ctrl: the control channel then gets a free loopback port. */
  ctrl: Endpoint | null;
  /** --tpmstate (or $TPM_PATH), --key, --migration-key, --rollback-anchor. */
  state: TpmStateOptions;
  /** --print-states: list the state files and exit. */
  printStates: boolean;
  /** Without not-need-init (or a startup-* flag), the TPM waits for CMD_INIT. */
  needInit: boolean;
  startup: 'clear' | 'state' | null;
  pidFile: { path: string } | { fd: number } | null;
  log: LogOptions | null;
  daemon: boolean;
  rejectLocality4: boolean;
  /** `--ek-cert CA_DIR`: manufacture the TPM (EK certificates in NV) with this CA before listening. */
  ekCertCaDir: string | null;
}

const DEFAULT_BIND = '127.0.0.1';
const COMMAND = 'vtpm socket';

const SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  { name: '--tpm2', takesValue: false },
  { name: '--server', takesValue: true },
  { name: '--port', aliases: ['-p'], takesValue: true },
  { name: '--ctrl', takesValue: true },
  ...TPM_STATE_OPTION_SPECS,
  { name: '--flags', takesValue: true },
  { name: '--pid', takesValue: true },
  { name: '--log', takesValue: true },
  { name: '--daemon', aliases: ['-d'], takesValue: false },
  { name: '--locality', takesValue: true },
  { name: '--seccomp', takesValue: true },
  { name: '--print-capabilities', takesValue: false },
  { name: '--ek-cert', takesValue: true },
  { name: '--print-states', takesValue: false },
  // Accepted by swtpm, not by vtpm: named here so the message says why rather than "unrecognized".
  { name: '--runas', aliases: ['-r'], takesValue: true },
  { name: '--fd', aliases: ['-f'], takesValue: true },
  { name: '--terminate', aliases: ['-t'], takesValue: false },
  { name: '--vtpm-proxy', takesValue: false },
];

const UNSUPPORTED: Record<string, string> = {
  '--runas': 'changing user is not supported: start vtpm as the user it should run as',
  '--fd': 'inherited socket descriptors are not supported: use --server type=tcp,port=N',
  '--terminate': 'ending the TPM when a data connection closes is not supported',
  '--vtpm-proxy': 'the Linux vtpm proxy device is not supported',
};

/** Parses `vtpm socket` arguments with swtpm's syntax; throws UsageError. */
export function parseSocketOptions(argv: readonly string[]): SocketOptions {
  const options = readOptions(COMMAND, argv, SPECS);
  const has = (name: string) => options.some((o) => o.name === name);
  const last = (name: string): ParsedOption | undefined => options.filter((o) => o.name === name).at(-1);
  for (const o of options) if (UNSUPPORTED[o.name]) throw new UsageError(`${COMMAND}: ${o.spelling}: ${UNSUPPORTED[o.name]}`);

  const help = has('--help');
  const printCapabilities = has('--print-capabilities');
  const printStates = has('--print-states');
  if (!help && !printCapabilities && !has('--tpm2')) throw new UsageError(`${COMMAND}: vtpm emulates TPM 2.0 only: pass --tpm2 (swtpm's default is TPM 1.2)`);

  const serverOpt = last('--server');
  const portOpt = last('--port');
  const server = serverOpt ? parseServer(serverOpt.value!) : null;
  const port = portOpt ? parsePort(portOpt.spelling, portOpt.value!) : null;
  const flags = parseFlags(last('--flags')?.value ?? '');
  const pid = last('--pid');
  const log = last('--log');
  const locality = last('--locality');
  const seccomp = last('--seccomp');
  if (seccomp) parseSeccomp(seccomp.value!);

  const data: Endpoint | null = server ? { host: server.host, port: port ?? server.port ?? missingPort() } : port !== null ? { host: DEFAULT_BIND, port } : null;
  if (!data && !help && !printCapabilities && !printStates) throw new UsageError(`${COMMAND}: no data port: give --server type=tcp,port=N (or -p N)`);
  return {
    help,
    printCapabilities,
    server: data ?? { host: DEFAULT_BIND, port: 0 },
    ctrl: last('--ctrl') ? parseCtrl(last('--ctrl')!.value!) : null,
    state: parseTpmStateOptions(new OptionLookup(COMMAND, options), { useTpmPath: true, migration: true }),
    printStates,
    needInit: flags.needInit,
    startup: flags.startup,
    pidFile: pid ? parsePid(pid.value!) : null,
    log: log ? parseLogOption(log.value!) : null,
    daemon: has('--daemon'),
    rejectLocality4: locality ? parseLocality(locality.value!) : false,
    ekCertCaDir: last('--ek-cert')?.value ?? null,
  };
}

function missingPort(): never {
  throw new UsageError(`${COMMAND}: --server: give port=N`);
}

function parseServer(text: string): { host: string; port: number | null } {
  const { values } = parseKeyValueList('--server', text, ['type', 'port', 'bindaddr', 'ifname', 'fd', 'path', 'mode', 'uid', 'gid'], ['disconnect']);
  checkTcp('--server', values);
  const port = values.get('port');
  return { host: values.get('bindaddr') ?? DEFAULT_BIND, port: port === undefined ? null : parsePort('--server port', port) };
}

function parseCtrl(text: string): Endpoint {
  const { values } = parseKeyValueList('--ctrl', text, ['type', 'port', 'bindaddr', 'ifname', 'fd', 'clientfd', 'path', 'mode', 'uid', 'gid']);
  checkTcp('--ctrl', values);
  const port = values.get('port');
  if (port === undefined) throw new UsageError(`${COMMAND}: --ctrl type=tcp needs port=N`);
  return { host: values.get('bindaddr') ?? DEFAULT_BIND, port: parsePort('--ctrl port', port) };
}

/** vtpm listens on TCP only; the other swtpm channel kinds are refused by name. */
function checkTcp(option: string, values: Map<string, string>): void {
  const type = values.get('type') ?? 'tcp';
  if (type === 'unixio') throw new UsageError(`${COMMAND}: ${option} type=unixio is not supported: use type=tcp,port=N`);
  if (type !== 'tcp') throw new UsageError(`${COMMAND}: ${option}: unknown type '${type}' (tcp)`);
  for (const key of ['fd', 'clientfd', 'path', 'mode', 'uid', 'gid', 'ifname']) {
    if (values.has(key)) throw new UsageError(`${COMMAND}: ${option} ${key}= is not supported: use type=tcp,port=N[,bindaddr=ADDRESS]`);
  }
}

function parseFlags(text: string): { needInit: boolean; startup: 'clear' | 'state' | null } {
  const { words } = parseKeyValueList('--flags', text, [], ['not-need-init', 'startup-clear', 'startup-state', 'startup-none', 'startup-deactivated', 'disable-auto-shutdown']);
  if (words.has('startup-deactivated')) throw new UsageError(`${COMMAND}: --flags startup-deactivated exists for TPM 1.2 only`);
  const startups = ['startup-clear', 'startup-state', 'startup-none'].filter((w) => words.has(w));
  if (startups.length > 1) throw new UsageError(`${COMMAND}: --flags: choose one of ${startups.join(', ')}`);
  const startup = words.has('startup-clear') ? 'clear' : words.has('startup-state') ? 'state' : null;
  // As swtpm: a startup-* flag other than startup-none implies not-need-init.
  return { needInit: !words.has('not-need-init') && startup === null, startup };
}

function parsePid(text: string): { path: string } | { fd: number } {
  const { values } = parseKeyValueList('--pid', text, ['file', 'fd']);
  const file = values.get('file');
  const fd = values.get('fd');
  if ((file === undefined) === (fd === undefined)) throw new UsageError(`${COMMAND}: --pid: give file=PATH or fd=N`);
  return file !== undefined ? { path: file } : { fd: parseNonNegativeInteger('--pid fd', fd!) };
}

function parseLocality(text: string): boolean {
  const { words } = parseKeyValueList('--locality', text, [], ['reject-locality-4', 'allow-set-locality']);
  return words.has('reject-locality-4');
}

/** Sandboxing of swtpm's own process: accepted for compatibility; it changes nothing a client sees. */
function parseSeccomp(text: string): void {
  const { values } = parseKeyValueList('--seccomp', text, ['action']);
  const action = values.get('action');
  if (action !== undefined && !['none', 'kill', 'log'].includes(action)) throw new UsageError(`${COMMAND}: --seccomp: unknown action '${action}' (none, kill, log)`);
}
