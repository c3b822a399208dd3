import { BOOT_COMPONENT_PCR, type BootComponent } from '@vtpm/hypervisor';
import { readArguments, type OptionSpec } from './argvReader.js';
import { CHANNEL_AUTH_OPTIONS, parseChannelAuthFlags, type ChannelAuthFlags } from './channelAuthOptions.js';
import { parseHostPort } from './hostPortValue.js';
import { parseNonNegativeInteger } from './numbers.js';
import { OptionLookup } from './optionLookup.js';
import { UsageError } from './usageError.js';

export const HOST_ACTIONS = ['init', 'boot', 'status', 'serve', 'policy'] as const;
export type HostAction = (typeof HOST_ACTIONS)[number];
export const VM_ACTIONS = ['create', 'start', 'stop', 'dump', 'write', 'read', 'hash', 'list', 'workload', 'migrate'] as const;
export type VmAction = (typeof VM_ACTIONS)[number];

/** `vtpm host init|boot|status|serve|policy --host-dir DIR ...`. */
export interface HostOptions {
  help: boolean;
  action: HostAction;
  hostDir: string;
  /** init: the manufacturer CA directory (default: a new in-memory CA). */
  caDir: string | null;
  /** init: fixed TPM seed (tests, demos). */
  seed: Buffer | null;
  /** boot: the example chain's version (changes every component). */
  chainVersion: string | null;
  /** boot: components measured with FILE's bytes instead of the chain's (each changes only its PCR). */
  replacements: BootReplacement[];
  json: boolean;
  /** serve: where the daemon accepts migrations. */
  listen: { host: string; port: number } | null;
  /** serve: the HOST:PORT peers dial back (recovery questions) when --listen is a wildcard or behind NAT; default --listen. */
  advertise: string | null;
  /** serve: how it authenticates its peer daemons. */
  auth: ChannelAuthFlags | null;
  /** serve: a key broker releasing VM keys to this host (enrolled as hostId). */
  broker: { url: string; hostId: string } | null;
  /** serve: a migration policy file every incoming migration's source host must attest to (mutual attestation). */
  requireSourceAttestation: string | null;
  /** serve: memory all incoming migrations may stage at once, in MiB (default: half of RAM). */
  maxStagedMib: number | null;
  pidFile: string | null;
  daemon: boolean;
  /** policy: the policy's id, the file it goes to (default stdout), and whether it pins this host's AK. */
  policyId: string | null;
  out: string | null;
  pinAk: boolean;
}

/** `--replace COMPONENT=FILE` of `host boot`: the boot component COMPONENT measured with FILE's bytes. */
export interface BootReplacement {
  component: BootComponent;
  file: string;
}

/** A guest write done right after `vm start`: the bytes of FILE at guest-physical address GPA. */
export interface GuestWrite {
  gpa: number;
  file: string;
}

/** `vtpm vm create|start|stop|dump --host-dir DIR VM ...`. */
export interface VmOptions {
  help: boolean;
  action: VmAction;
  hostDir: string;
  vmId: string;
  pages: number | null;
  mode: 'xts' | 'gcm';
  vcpus: number | null;
  operatorKey: string | null;
  /** create through a host daemon: the VM key generated here ('local') or held by the daemon's key broker. */
  keySource: 'local' | 'broker';
  guestWrites: GuestWrite[];
  out: string | null;
  /** dump: the guest page whose ciphertext is shown (default 0). */
  page: number;
  /** write / read: guest-physical address; write: the bytes of dataFile; read: length octets. */
  gpa: number | null;
  dataFile: string | null;
  length: number | null;
  /** workload: start a guest dirtying pagesPerTick pages every intervalMs, or stop it. */
  workload: { pagesPerTick: number; intervalMs: number } | 'stop' | null;
  /** migrate: the destination daemon, the policy file it must satisfy, key release, downtime target. */
  to: string | null;
  policyFile: string | null;
  keyRelease: 'stream' | 'broker';
  maxDowntimeMs: number | null;
  /** migrate: --no-auto-converge turns guest throttling off. */
  autoConverge: boolean;
  json: boolean;
}

const HOST_SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  { name: '--host-dir', takesValue: true },
  { name: '--ca', aliases: ['--ca-dir'], takesValue: true },
  { name: '--seed', takesValue: true },
  { name: '--chain-version', takesValue: true },
  { name: '--replace', takesValue: true },
  { name: '--json', takesValue: false },
  { name: '--listen', takesValue: true },
  { name: '--advertise', takesValue: true },
  { name: '--psk-file', takesValue: true },
  { name: '--cert', takesValue: true },
  { name: '--key', takesValue: true },
  { name: '--no-auth', takesValue: false },
  { name: '--identity', takesValue: true },
  { name: '--broker', takesValue: true },
  { name: '--host-id', takesValue: true },
  { name: '--require-source-attestation', takesValue: true },
  { name: '--max-staged-mib', takesValue: true },
  { name: '--pid-file', takesValue: true },
  { name: '--daemon', aliases: ['-d'], takesValue: false },
  { name: '--id', takesValue: true },
  { name: '--out', aliases: ['-o'], takesValue: true },
  { name: '--pin-ak', takesValue: false },
];

const VM_SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  { name: '--host-dir', takesValue: true },
  { name: '--pages', takesValue: true },
  { name: '--mode', takesValue: true },
  { name: '--vcpus', takesValue: true },
  { name: '--operator-key', takesValue: true },
  { name: '--key-source', takesValue: true },
  { name: '--guest-write', takesValue: true },
  { name: '--out', aliases: ['-o'], takesValue: true },
  { name: '--page', takesValue: true },
  { name: '--gpa', takesValue: true },
  { name: '--data-file', takesValue: true },
  { name: '--length', takesValue: true },
  { name: '--pages-per-tick', takesValue: true },
  { name: '--interval-ms', takesValue: true },
  { name: '--stop', takesValue: false },
  { name: '--to', takesValue: true },
  { name: '--policy', takesValue: true },
  { name: '--key-release', takesValue: true },
  { name: '--max-downtime', takesValue: true },
  { name: '--no-auto-converge', takesValue: false },
  { name: '--json', takesValue: false },
];

/** Which options each action takes (the rest are refused by name, so a typo cannot pass silently). */
const HOST_ACTION_OPTIONS: Record<HostAction, readonly string[]> = {
  init: ['--ca', '--seed'],
  boot: ['--chain-version', '--replace'],
  status: ['--json'],
  serve: ['--listen', '--advertise', ...CHANNEL_AUTH_OPTIONS, '--broker', '--host-id', '--require-source-attestation', '--max-staged-mib', '--pid-file', '--daemon'],
  policy: ['--id', '--out', '--pin-ak'],
};
const VM_ACTION_OPTIONS: Record<VmAction, readonly string[]> = {
  create: ['--pages', '--mode', '--vcpus', '--operator-key', '--key-source'],
  start: ['--guest-write'],
  stop: [],
  dump: ['--out', '--page'],
  write: ['--gpa', '--data-file'],
  read: ['--gpa', '--length'],
  hash: [],
  list: ['--json'],
  workload: ['--pages-per-tick', '--interval-ms', '--stop'],
  migrate: ['--to', '--policy', '--key-release', '--max-downtime', '--no-auto-converge', '--json'],
};

const COMMON = ['--help', '--host-dir'];

function action<T extends string>(command: string, given: string | undefined, actions: readonly T[], help: boolean): T | null {
  if (given === undefined) {
    if (help) return null;
    throw new UsageError(`${command}: give an action (${actions.join(', ')})`);
  }
  if (!(actions as readonly string[]).includes(given)) throw new UsageError(`${command}: unknown action '${given}' (${actions.join(', ')}; ${command} --help)`);
  return given as T;
}

function refuseOthers(command: string, o: { name: string; spelling: string }[], allowed: readonly string[]): void {
  const bad = o.find((x) => !COMMON.includes(x.name) && !allowed.includes(x.name));
  if (bad) throw new UsageError(`${command}: ${bad.spelling} does not apply here`);
}

export function parseHostOptions(argv: readonly string[]): HostOptions {
  const COMMAND = 'vtpm host';
  const { options, operands } = readArguments(COMMAND, argv, HOST_SPECS, 1);
  const o = new OptionLookup(COMMAND, options);
  const help = o.has('--help');
  const act = action(COMMAND, operands[0], HOST_ACTIONS, help);
  const command = act ? `${COMMAND} ${act}` : COMMAND;
  if (act) refuseOthers(command, options, HOST_ACTION_OPTIONS[act]);
  const seed = o.value('--seed');
  if (seed !== null && !/^([0-9a-fA-F]{2})+$/.test(seed)) throw new UsageError(`${command}: --seed: give hex digits (an even number of them), not '${seed}'`);
  const lookup = new OptionLookup(command, options);
  const serving = !help && act === 'serve';
  const listen = lookup.value('--listen');
  if (serving && listen === null) throw new UsageError(`${command}: --listen is required (HOST:PORT where this daemon accepts migrations, e.g. 127.0.0.1:2790)`);
  const policyId = lookup.value('--id');
  if (!help && act === 'policy' && policyId === null) throw new UsageError(`${command}: --id is required (the policy's name, e.g. hypervisor-1.0)`);
  if (policyId !== null && !/^[A-Za-z0-9._:-]+$/.test(policyId)) throw new UsageError(`${command}: --id '${policyId}' may hold letters, digits, '.', '_', ':' and '-' only`);
  return {
    help,
    action: act ?? 'status',
    hostDir: help ? '' : lookup.required('--host-dir', 'DIR, the host directory'),
    caDir: act === 'serve' ? null : o.value('--ca'),
    seed: seed === null ? null : Buffer.from(seed, 'hex'),
    chainVersion: o.value('--chain-version'),
    replacements: parseReplacements(command, options.filter((x) => x.name === '--replace').map((x) => x.value!)),
    json: o.has('--json'),
    listen: listen === null ? null : parseHostPort(`${command}: --listen`, listen),
    advertise: advertised(command, lookup.value('--advertise'), listen),
    auth: serving ? parseChannelAuthFlags(command, lookup) : null,
    broker: parseBroker(command, lookup),
    requireSourceAttestation: o.value('--require-source-attestation'),
    maxStagedMib: stagedMib(command, o.value('--max-staged-mib')),
    pidFile: o.value('--pid-file'),
    daemon: o.has('--daemon'),
    policyId,
    out: o.value('--out'),
    pinAk: o.has('--pin-ak'),
  };
}

/** `--max-staged-mib N`: at least one page, at most what one process may address. */
function stagedMib(command: string, text: string | null): number | null {
  if (text === null) return null;
  const mib = parseNonNegativeInteger(`${command}: --max-staged-mib`, text);
  if (mib < 1 || mib > 16 * 1024 * 1024) throw new UsageError(`${command}: --max-staged-mib must be from 1 to 16777216 (MiB), not ${text}`);
  return mib;
}

/** `--advertise HOST:PORT`, needed when --listen is a wildcard address peers cannot dial. */
function advertised(command: string, advertise: string | null, listen: string | null): string | null {
  if (advertise !== null) {
    const { host, port } = parseHostPort(`${command}: --advertise`, advertise);
    if (WILDCARD_HOSTS.has(host)) throw new UsageError(`${command}: --advertise ${advertise}: give an address peers can dial, not a wildcard`);
    return `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }
  if (listen !== null && WILDCARD_HOSTS.has(parseHostPort(`${command}: --listen`, listen).host)) {
    throw new UsageError(`${command}: --listen ${listen} is a wildcard address: add --advertise HOST:PORT, the address peer daemons dial back to settle a migration`);
  }
  return null;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/** `--broker URL --host-id ID`: both or neither. */
function parseBroker(command: string, o: OptionLookup): { url: string; hostId: string } | null {
  const url = o.value('--broker');
  const hostId = o.value('--host-id');
  if (url === null && hostId === null) return null;
  if (url === null) throw new UsageError(`${command}: --host-id names this host at a key broker: give --broker URL too`);
  if (hostId === null) throw new UsageError(`${command}: --broker needs --host-id ID (the name this host is enrolled under at the broker)`);
  if (!/^https?:\/\/[^/]+\/?$/.test(url)) throw new UsageError(`${command}: --broker: give http://HOST:PORT or https://HOST:PORT, not '${url}'`);
  return { url, hostId };
}

const BOOT_COMPONENTS = Object.keys(BOOT_COMPONENT_PCR) as BootComponent[];

/** `--replace COMPONENT=FILE ...`: known components, each at most once (two files for one component would leave one unmeasured). */
function parseReplacements(command: string, values: readonly string[]): BootReplacement[] {
  const seen = new Set<string>();
  return values.map((text) => {
    const eq = text.indexOf('=');
    const component = text.slice(0, eq);
    const file = text.slice(eq + 1);
    if (eq <= 0 || !file) throw new UsageError(`${command}: --replace: give COMPONENT=FILE (e.g. hypervisorKernel=kernel.bin), not '${text}'`);
    if (!(BOOT_COMPONENTS as string[]).includes(component)) throw new UsageError(`${command}: --replace: '${component}' is not a boot component: give one of ${BOOT_COMPONENTS.join(', ')}`);
    if (seen.has(component)) throw new UsageError(`${command}: --replace: ${component} is replaced twice: give each component once`);
    seen.add(component);
    return { component: component as BootComponent, file };
  });
}

/** A guest-physical address or length: decimal or 0x hex. */
function parseGuestNumber(what: string, text: string): number {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(text)) throw new UsageError(`${what}: give a number (decimal or 0x hex), not '${text}'`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${what}: ${text} is too large`);
  return n;
}

function parseWorkload(command: string, o: OptionLookup): VmOptions['workload'] {
  const perTick = o.value('--pages-per-tick');
  const interval = o.value('--interval-ms');
  if (o.has('--stop')) {
    if (perTick !== null || interval !== null) throw new UsageError(`${command}: --stop excludes --pages-per-tick and --interval-ms`);
    return 'stop';
  }
  if (perTick === null || interval === null) throw new UsageError(`${command}: give --pages-per-tick N --interval-ms MS to start the guest's writes, or --stop`);
  const pagesPerTick = parseNonNegativeInteger(`${command}: --pages-per-tick`, perTick);
  const intervalMs = parseNonNegativeInteger(`${command}: --interval-ms`, interval);
  if (pagesPerTick === 0) throw new UsageError(`${command}: --pages-per-tick: at least 1 page (--stop stops the writes)`);
  if (intervalMs === 0) throw new UsageError(`${command}: --interval-ms: at least 1 ms`);
  return { pagesPerTick, intervalMs };
}

function parseGuestWrite(command: string, text: string): GuestWrite {
  const m = /^(0x[0-9a-fA-F]+|\d+)=(.+)$/.exec(text);
  if (!m) throw new UsageError(`${command}: --guest-write: give GPA=FILE (e.g. 0x1000=secret.bin), not '${text}'`);
  return { gpa: Number(m[1]), file: m[2]! };
}

export function parseVmOptions(argv: readonly string[]): VmOptions {
  const COMMAND = 'vtpm vm';
  const { options, operands } = readArguments(COMMAND, argv, VM_SPECS, 2);
  const o = new OptionLookup(COMMAND, options);
  const help = o.has('--help');
  const act = action(COMMAND, operands[0], VM_ACTIONS, help);
  const command = act ? `${COMMAND} ${act}` : COMMAND;
  if (act) refuseOthers(command, options, VM_ACTION_OPTIONS[act]);
  const vmId = operands[1];
  if (act === 'list' && vmId !== undefined) throw new UsageError(`${command}: takes no VM id (${command} --host-dir DIR)`);
  if (!help && act !== 'list' && vmId === undefined) throw new UsageError(`${command}: give the VM's id (${command} --host-dir DIR VM)`);
  if (vmId !== undefined && !/^[A-Za-z0-9._-]+$/.test(vmId)) throw new UsageError(`${command}: VM id '${vmId}' may hold letters, digits, '.', '_' and '-' only`);
  const lookup = new OptionLookup(command, options);
  const pages = o.value('--pages');
  if (!help && act === 'create' && pages === null) throw new UsageError(`${command}: --pages is required (guest RAM in 4 KiB pages)`);
  const pageCount = pages === null ? null : parseNonNegativeInteger(`${command}: --pages`, pages);
  if (pageCount === 0) throw new UsageError(`${command}: --pages: a VM needs at least one page`);
  const mode = o.value('--mode') ?? 'xts';
  if (mode !== 'xts' && mode !== 'gcm') throw new UsageError(`${command}: --mode: '${mode}' is not xts or gcm`);
  const vcpus = o.value('--vcpus');
  const vcpuCount = vcpus === null ? null : parseNonNegativeInteger(`${command}: --vcpus`, vcpus);
  if (vcpuCount === 0) throw new UsageError(`${command}: --vcpus: a VM needs at least one vCPU`);
  if (!help && act === 'dump' && o.value('--out') === null) throw new UsageError(`${command}: --out is required (FILE, the snapshot to write)`);
  const page = o.value('--page');
  const keySource = o.value('--key-source') ?? 'local';
  if (keySource !== 'local' && keySource !== 'broker') throw new UsageError(`${command}: --key-source: '${keySource}' is not local or broker`);
  const gpa = o.value('--gpa');
  if (!help && (act === 'write' || act === 'read') && gpa === null) throw new UsageError(`${command}: --gpa is required (the guest-physical address, decimal or 0x hex)`);
  if (!help && act === 'write' && o.value('--data-file') === null) throw new UsageError(`${command}: --data-file is required (FILE, the bytes the guest writes)`);
  const length = o.value('--length');
  if (!help && act === 'read' && length === null) throw new UsageError(`${command}: --length is required (how many bytes to read)`);
  const lengthValue = length === null ? null : parseGuestNumber(`${command}: --length`, length);
  if (lengthValue === 0) throw new UsageError(`${command}: --length: at least 1 byte`);
  const to = o.value('--to');
  if (!help && act === 'migrate' && to === null) throw new UsageError(`${command}: --to is required (HOST:PORT of the destination host daemon)`);
  if (to !== null) parseHostPort(`${command}: --to`, to);
  if (!help && act === 'migrate' && o.value('--policy') === null) throw new UsageError(`${command}: --policy is required (POLICY.json from vtpm host policy: what the destination must attest to)`);
  const keyRelease = o.value('--key-release') ?? 'stream';
  if (keyRelease !== 'stream' && keyRelease !== 'broker') throw new UsageError(`${command}: --key-release: '${keyRelease}' is not stream or broker`);
  const maxDowntime = o.value('--max-downtime');
  const maxDowntimeMs = maxDowntime === null ? null : parseNonNegativeInteger(`${command}: --max-downtime`, maxDowntime);
  if (maxDowntimeMs === 0) throw new UsageError(`${command}: --max-downtime: at least 1 ms`);
  return {
    help,
    action: act ?? 'create',
    hostDir: help ? '' : lookup.required('--host-dir', 'DIR, the host directory'),
    vmId: vmId ?? '',
    pages: pageCount,
    mode,
    vcpus: vcpuCount,
    operatorKey: o.value('--operator-key'),
    keySource,
    guestWrites: options.filter((x) => x.name === '--guest-write').map((x) => parseGuestWrite(command, x.value!)),
    out: o.value('--out'),
    page: page === null ? 0 : parseNonNegativeInteger(`${command}: --page`, page),
    gpa: gpa === null ? null : parseGuestNumber(`${command}: --gpa`, gpa),
    dataFile: o.value('--data-file'),
    length: lengthValue,
    workload: !help && act === 'workload' ? parseWorkload(command, lookup) : null,
    to,
    policyFile: o.value('--policy'),
    keyRelease,
    maxDowntimeMs,
    autoConverge: !o.has('--no-auto-converge'),
    json: o.has('--json'),
  };
}
