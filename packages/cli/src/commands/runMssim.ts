import { MssimServer } from '@vtpm/server';
import { parseMssimOptions } from '../args/mssimOptions.js';
import { prepareStateDir } from '../runtime/stateDir.js';
import { Logger } from '../runtime/logger.js';
import { serveUntilStopped } from '../runtime/serveUntilStopped.js';
import { MSSIM_HELP } from './helpText.js';

/** `vtpm mssim ...`: the Microsoft simulator protocol. */
export async function runMssim(argv: readonly string[]): Promise<void> {
  const opts = parseMssimOptions(argv);
  if (opts.help) return void process.stdout.write(MSSIM_HELP);
  if (opts.stateDir) prepareStateDir(opts.stateDir);
  const server = await MssimServer.start({ host: opts.host, port: opts.port });
  process.stdout.write(`vtpm: mssim TPM listening on ${server.host}:${server.port} (platform ${server.platformPort})\n`);
  await serveUntilStopped(server, new Logger(null), []);
}
