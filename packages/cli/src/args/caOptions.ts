import { readArguments, type OptionSpec } from './argvReader.js';
import { OptionLookup } from './optionLookup.js';
import { UsageError } from './usageError.js';

/** `vtpm ca export --ca-dir DIR`. */
export interface CaOptions {
  help: boolean;
  action: 'export' | null;
  caDir: string;
}

const COMMAND = 'vtpm ca';

const SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  { name: '--ca-dir', takesValue: true },
];

export function parseCaOptions(argv: readonly string[]): CaOptions {
  const { options, operands } = readArguments(COMMAND, argv, SPECS, 1);
  const o = new OptionLookup(COMMAND, options);
  const help = o.has('--help');
  const [action] = operands;
  if (action !== undefined && action !== 'export') throw new UsageError(`${COMMAND}: unknown action '${action}' (export)`);
  if (!help && action === undefined) throw new UsageError(`${COMMAND}: give an action: vtpm ca export --ca-dir DIR`);
  return { help, action: action ?? null, caDir: help ? '' : o.required('--ca-dir', "the manufacturer CA's directory") };
}
