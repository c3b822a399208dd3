import { MssimServer } from '@vtpm/server';
import { parseMssimOptions } from '../args/mssimOptions.js';
import { Logger } from '../runtime/logger.js';
import { serveUntilStopped } from '../runtime/serveUntilStopped.js';
import { ekCertificateSummary, openTpmToServe } from '../runtime/servedTpm.js';
import { describeOrigin } from '../runtime/tpmStateSetup.js';
import { MSSIM_HELP } from './helpText.js';

const COMMAND = 'vtpm mssim';

/** `vtpm mssim ...`: the Microsoft simulator protocol. */
export async function runMssim(argv: readonly string[]): Promise<void> {
  const opts = parseMssimOptions(argv);
  if (opts.help) return void process.stdout.write(MSSIM_HELP);
  const logger = new Logger(null);
  // The platform powers the TPM on (POWER_ON): a stored volatile state is never resumed here.
  const { state, manufactured } = await openTpmToServe(COMMAND, opts.state, opts.ekCertCaDir, false);
  for (const note of state.notes) logger.error(`vtpm: ${note}`);
  const server = await MssimServer.start({ host: opts.host, port: opts.port, keeper: state.keeper });
  const certificates = manufactured ? `; ${ekCertificateSummary(manufactured, opts.ekCertCaDir!)}` : opts.ekCertCaDir ? '; --ek-cert: the stored TPM keeps the EK certificates it was made with' : '';
  // Signal handlers first: a client may stop the server as soon as it reads the listening line.
  const serving = serveUntilStopped(server, logger, []);
  process.stdout.write(`vtpm: mssim TPM listening on ${server.host}:${server.port} (platform ${server.platformPort})${describeOrigin(state, opts.state.dir)}${certificates}\n`);
  await serving;
}
