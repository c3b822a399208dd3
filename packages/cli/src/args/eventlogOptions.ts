import { readArguments, type OptionSpec } from './argvReader.js';
import { OptionLookup } from './optionLookup.js';
import { UsageError } from './usageError.js';

/** `vtpm attest eventlog FILE [--json]`. */
export interface EventlogOptions {
  help: boolean;
  file: string;
  json: boolean;
}

const COMMAND = 'vtpm attest eventlog';

const SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  { name: '--json', takesValue: false },
];

export function parseEventlogOptions(argv: readonly string[]): EventlogOptions {
  const { options, operands } = readArguments(COMMAND, argv, SPECS, 1);
  const o = new OptionLookup(COMMAND, options);
  const help = o.has('--help');
  const [file] = operands;
  if (!help && file === undefined) throw new UsageError(`${COMMAND}: give the event log file (e.g. /sys/kernel/security/tpm0/binary_bios_measurements)`);
  return { help, file: file ?? '', json: o.has('--json') };
}
