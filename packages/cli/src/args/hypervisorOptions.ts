import { readArguments, type OptionSpec } from './argvReader.js';
import { parseNonNegativeInteger } from './numbers.js';
import { OptionLookup } from './optionLookup.js';
import { UsageError } from './usageError.js';

export const HOST_ACTIONS = ['init', 'boot', 'status'] as const;
export type HostAction = (typeof HOST_ACTIONS)[number];
export const VM_ACTIONS = ['create', 'start', 'stop', 'dump'] as const;
export type VmAction = (typeof VM_ACTIONS)[number];

/** `vtpm host init|boot|status --host-dir DIR ...`. */
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
  json: boolean;
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
  guestWrites: GuestWrite[];
  out: string | null;
  /** dump: the guest page whose ciphertext is shown (default 0). */
  page: number;
}

const HOST_SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  { name: '--host-dir', takesValue: true },
  { name: '--ca', aliases: ['--ca-dir'], takesValue: true },
  { name: '--seed', takesValue: true },
  { name: '--chain-version', takesValue: true },
  { name: '--json', takesValue: false },
];

const VM_SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  { name: '--host-dir', takesValue: true },
  { name: '--pages', takesValue: true },
  { name: '--mode', takesValue: true },
  { name: '--vcpus', takesValue: true },
  { name: '--operator-key', takesValue: true },
  { name: '--guest-write', takesValue: true },
  { name: '--out', aliases: ['-o'], takesValue: true },
  { name: '--page', takesValue: true },
];

/** Which options each action takes (the rest are refused by name, so a typo cannot pass silently). */
const HOST_ACTION_OPTIONS: Record<HostAction, readonly string[]> = {
  init: ['--ca', '--seed'],
  boot: ['--chain-version'],
  status: ['--json'],
};
const VM_ACTION_OPTIONS: Record<VmAction, readonly string[]> = {
  create: ['--pages', '--mode', '--vcpus', '--operator-key'],
  start: ['--guest-write'],
  stop: [],
  dump: ['--out', '--page'],
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
  return {
    help,
    action: act ?? 'status',
    hostDir: help ? '' : new OptionLookup(command, options).required('--host-dir', 'DIR, the host directory'),
    caDir: o.value('--ca'),
    seed: seed === null ? null : Buffer.from(seed, 'hex'),
    chainVersion: o.value('--chain-version'),
    json: o.has('--json'),
  };
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
  if (!help && vmId === undefined) throw new UsageError(`${command}: give the VM's id (${command} --host-dir DIR VM)`);
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
  return {
    help,
    action: act ?? 'create',
    hostDir: help ? '' : lookup.required('--host-dir', 'DIR, the host directory'),
    vmId: vmId ?? '',
    pages: pageCount,
    mode,
    vcpus: vcpuCount,
    operatorKey: o.value('--operator-key'),
    guestWrites: options.filter((x) => x.name === '--guest-write').map((x) => parseGuestWrite(command, x.value!)),
    out: o.value('--out'),
    page: page === null ? 0 : parseNonNegativeInteger(`${command}: --page`, page),
  };
}
