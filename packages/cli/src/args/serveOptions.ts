import { readOptions, type OptionSpec } from './argvReader.js';
import { OptionLookup } from './optionLookup.js';
import { parseStateKeyOption, type StateKeySpec } from './stateKeyOption.js';
import { UsageError } from './usageError.js';

/** `vtpm serve --instances DIR`: many vTPMs in one process. */
export interface ServeOptions {
  help: boolean;
  instances: string;
  host: string;
  key: StateKeySpec | null;
  migrationKey: StateKeySpec | null;
  /** Seconds without use after which an instance keeps its TPM serialized (0: never). */
  idleSeconds: number;
}

const COMMAND = 'vtpm serve';

const SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  { name: '--instances', takesValue: true },
  { name: '--host', takesValue: true },
  { name: '--key', takesValue: true },
  { name: '--migration-key', takesValue: true },
  { name: '--idle', takesValue: true },
];

export function parseServeOptions(argv: readonly string[]): ServeOptions {
  const o = new OptionLookup(COMMAND, readOptions(COMMAND, argv, SPECS));
  const help = o.has('--help');
  const idle = o.value('--idle') ?? '30';
  if (!/^\d+(\.\d+)?$/.test(idle)) throw new UsageError(`${COMMAND}: --idle: invalid number of seconds '${idle}'`);
  const key = o.value('--key');
  const migrationKey = o.value('--migration-key');
  return {
    help,
    instances: help ? '' : o.required('--instances', 'DIR, the directory of the instances'),
    host: o.value('--host') ?? '127.0.0.1',
    key: key === null ? null : parseStateKeyOption(COMMAND, '--key', key),
    migrationKey: migrationKey === null ? null : parseStateKeyOption(COMMAND, '--migration-key', migrationKey),
    idleSeconds: Number(idle),
  };
}
