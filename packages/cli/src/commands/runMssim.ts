import { MssimServer } from '@vtpm/server';
import { parseMssimOptions } from '../args/mssimOptions.js';
import { prepareStateDir } from '../runtime/stateDir.js';
import { Logger } from '../runtime/logger.js';
import { serveUntilStopped } from '../runtime/serveUntilStopped.js';
import { ekCertificateSummary, manufacturedTpm } from '../runtime/servedTpm.js';
import { MSSIM_HELP } from './helpText.js';

/** `vtpm mssim ...`: the Microsoft simulator protocol. */
export async function runMssim(argv: readonly string[]): Promise<void> {
  const opts = parseMssimOptions(argv);
  if (opts.help) return void process.stdout.write(MSSIM_HELP);
  if (opts.stateDir) prepareStateDir(opts.stateDir);
  const manufactured = opts.ekCertCaDir ? await manufacturedTpm('vtpm mssim', opts.ekCertCaDir) : null;
  const server = await MssimServer.start({ host: opts.host, port: opts.port, ...(manufactured ? { tpm: manufactured.tpm } : {}) });
  const certificates = manufactured ? `; ${ekCertificateSummary(manufactured.manufactured, opts.ekCertCaDir!)}` : '';
  // Signal handlers first: a client may stop the server as soon as it reads the listening line.
  const serving = serveUntilStopped(server, new Logger(null), []);
  process.stdout.write(`vtpm: mssim TPM listening on ${server.host}:${server.port} (platform ${server.platformPort})${certificates}\n`);
  await serving;
}
