#!/usr/bin/env node
import { UsageError, USAGE_EXIT_CODE } from './args/usageError.js';
import { MAIN_HELP } from './commands/helpText.js';
import { runSocket } from './commands/runSocket.js';
import { runMssim } from './commands/runMssim.js';
import { runManufacture } from './commands/runManufacture.js';
import { runCa } from './commands/runCa.js';
import { runAttest } from './commands/runAttest.js';
import { runServe } from './commands/runServe.js';
import { runInstance } from './commands/runInstance.js';
import { runHost } from './commands/runHost.js';
import { runVm } from './commands/runVm.js';
import { runBroker } from './commands/runBroker.js';
import { CommandFailure } from './runtime/commandFailure.js';
import { reportFailure } from './runtime/daemon.js';
import { vtpmVersion } from './runtime/version.js';

const COMMANDS: Record<string, (argv: readonly string[]) => Promise<void>> = {
  socket: runSocket,
  mssim: runMssim,
  manufacture: runManufacture,
  ca: runCa,
  attest: runAttest,
  serve: runServe,
  instance: runInstance,
  host: runHost,
  vm: runVm,
  broker: runBroker,
};

async function main(argv: readonly string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') return void process.stdout.write(MAIN_HELP);
  if (first === '--version' || first === '-v') return void process.stdout.write(`vtpm ${vtpmVersion()}\n`);
  const command = COMMANDS[first];
  if (!command) throw new UsageError(`vtpm: unknown command '${first}' (${Object.keys(COMMANDS).join(', ')}; vtpm --help)`);
  await command(rest);
}

main(process.argv.slice(2)).catch(async (e: unknown) => {
  if (e instanceof UsageError) {
    // Messages from the option parsers name the option; say which command they concern.
    const command = process.argv[2];
    await reportFailure(e.message.startsWith('vtpm') ? e.message : `vtpm ${command}: ${e.message}`, USAGE_EXIT_CODE);
    process.exit(USAGE_EXIT_CODE);
  }
  if (e instanceof CommandFailure) {
    await reportFailure(e.message, 1);
    process.exit(1);
  }
  await reportFailure(`vtpm: ${describe(e)}`, 1);
  process.exit(1);
});

/** A start-up failure in one line: the address for listen errors, else the message. */
function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  if (err?.code === 'EADDRINUSE' || err?.code === 'EACCES' || err?.code === 'EADDRNOTAVAIL') return `cannot listen on ${err.address}:${err.port}: ${err.code}`;
  return err instanceof Error ? err.message : String(e);
}
