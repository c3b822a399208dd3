import { UsageError } from './usageError.js';

/** An option a subcommand accepts: its spellings and whether a value follows. */
export interface OptionSpec {
  /** The canonical name the parser reports, e.g. '--server'. */
  name: string;
  /** Other spellings, e.g. ['-p'] for '--port'. */
  aliases?: readonly string[];
  takesValue: boolean;
}

export interface ParsedOption {
  name: string;
  /** As written on the command line, for messages. */
  spelling: string;
  value: string | null;
}

/**
 * Splits argv into options, getopt_long style: `--name value`, `--name=value`, `-x value`, and
 * options without values. Anything else is a usage error naming the offending argument.
 */
export function readOptions(command: string, argv: readonly string[], specs: readonly OptionSpec[]): ParsedOption[] {
  return readArguments(command, argv, specs, 0).options;
}

/** As readOptions, also taking up to `maxOperands` arguments that are not options (file names). */
export function readArguments(command: string, argv: readonly string[], specs: readonly OptionSpec[], maxOperands: number): { options: ParsedOption[]; operands: string[] } {
  const bySpelling = new Map<string, OptionSpec>();
  for (const s of specs) for (const spelling of [s.name, ...(s.aliases ?? [])]) bySpelling.set(spelling, s);
  const out: ParsedOption[] = [];
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const spelling = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = bySpelling.get(spelling);
    if (!spec && !arg.startsWith('-') && operands.length < maxOperands) {
      operands.push(arg);
      continue;
    }
    if (!spec) throw new UsageError(arg.startsWith('-') ? `${command}: unrecognized option '${spelling}'` : `${command}: unexpected argument '${arg}'`);
    if (!spec.takesValue) {
      if (eq > 0) throw new UsageError(`${command}: option '${spelling}' takes no value`);
      out.push({ name: spec.name, spelling, value: null });
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${command}: option '${spelling}' needs a value`);
    out.push({ name: spec.name, spelling, value });
  }
  return { options: out, operands };
}
