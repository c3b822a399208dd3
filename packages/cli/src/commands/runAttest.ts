import { UsageError } from '../args/usageError.js';
import { ATTEST_HELP } from './attestHelpText.js';
import { runEventlog } from './runEventlog.js';
import { runQuote } from './runQuote.js';
import { runVerify } from './runVerify.js';

const SUBCOMMANDS: Record<string, (argv: readonly string[]) => Promise<void>> = {
  eventlog: runEventlog,
  quote: runQuote,
  verify: runVerify,
};

/** `vtpm attest <eventlog|quote|verify> ...`. */
export async function runAttest(argv: readonly string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') return void process.stdout.write(ATTEST_HELP);
  const subcommand = SUBCOMMANDS[first];
  if (!subcommand) throw new UsageError(`vtpm attest: unknown subcommand '${first}' (${Object.keys(SUBCOMMANDS).join(', ')}; vtpm attest --help)`);
  await subcommand(rest);
}
