import { SwtpmServer } from '@vtpm/server';
import type { ManufactureResult } from '@vtpm/attest';
import { parseSocketOptions } from '../args/swtpmOptions.js';
import { prepareStateDir } from '../runtime/stateDir.js';
import { writePidFile } from '../runtime/pidFile.js';
import { Logger } from '../runtime/logger.js';
import { daemonize, isDaemonChild, reportReady } from '../runtime/daemon.js';
import { serveUntilStopped } from '../runtime/serveUntilStopped.js';
import { vtpmVersion } from '../runtime/version.js';
import { ekCertificateSummary, openTpmToServe } from '../runtime/servedTpm.js';
import { describeOrigin } from '../runtime/tpmStateSetup.js';
import { printStates } from '../runtime/printStates.js';
import { SOCKET_HELP } from './helpText.js';
import { sendStartup } from './startupCommand.js';

const COMMAND = 'vtpm socket';

/** `vtpm socket ...`: swtpm's socket mode. */
export async function runSocket(argv: readonly string[]): Promise<void> {
  const opts = parseSocketOptions(argv);
  if (opts.help) return void process.stdout.write(SOCKET_HELP);
  if (opts.printCapabilities) return void process.stdout.write(`${capabilitiesJson()}\n`);
  if (opts.printStates) return void process.stdout.write(printStates(COMMAND, opts.state.dir));
  if (opts.state.dir) prepareStateDir(opts.state.dir);
  if (opts.daemon && !isDaemonChild()) await daemonize();

  const logger = new Logger(opts.log);
  // Without not-need-init the TPM waits for CMD_INIT, which decides whether to resume (DELETE_VOLATILE).
  const { state, manufactured } = await openTpmToServe(COMMAND, opts.state, opts.ekCertCaDir, !opts.needInit);
  for (const note of state.notes) logger.error(`vtpm: ${note}`);
  // A resumed TPM is running already: Startup would only be refused (TPM_RC_INITIALIZE).
  if (opts.startup && state.origin !== 'resumed') {
    await sendStartup(state.keeper.tpm, opts.startup, logger);
    await state.keeper.persistChanges();
  }
  const server = await SwtpmServer.start({
    keeper: state.keeper,
    migrationKey: state.migrationKey,
    host: opts.server.host,
    port: opts.server.port,
    ctrlHost: opts.ctrl?.host ?? opts.server.host,
    ctrlPort: opts.ctrl?.port ?? 0,
    needInit: opts.needInit,
    rejectLocality4: opts.rejectLocality4,
    log: (message) => logger.error(`vtpm: ${message}`),
  });
  const cleanups = opts.pidFile ? [writePidFile(opts.pidFile)] : [];
  const line = `vtpm: swtpm socket TPM listening on ${server.host}:${server.port} (control ${server.ctrlHost}:${server.ctrlPort})${opts.needInit ? ', waiting for CMD_INIT' : ''}${describeOrigin(state, opts.state.dir)}${certificates(manufactured, opts.ekCertCaDir)}`;
  logger.log(1, line);
  // Signal handlers first: a client may stop the server as soon as it reads the listening line.
  const serving = serveUntilStopped(server, logger, cleanups);
  reportReady(line);
  await serving;
}

function certificates(manufactured: ManufactureResult | null, caDir: string | null): string {
  if (manufactured) return `; ${ekCertificateSummary(manufactured, caDir!)}`;
  return caDir ? '; --ek-cert: the stored TPM keeps the EK certificates it was made with' : '';
}

/** What `swtpm socket --print-capabilities` reports, for the features vtpm has. */
function capabilitiesJson(): string {
  const features = ['tpm-2.0', 'tpm-send-command-header', 'flags-opt-startup', 'cmdarg-seccomp', 'cmdarg-key-fd', 'cmdarg-pwd-fd', 'cmdarg-print-states'];
  return JSON.stringify({ type: 'swtpm', features, version: vtpmVersion() });
}
