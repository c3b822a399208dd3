import { Tpm } from '@vtpm/tpm';
import { SwtpmServer } from '@vtpm/server';
import { parseSocketOptions } from '../args/swtpmOptions.js';
import { prepareStateDir } from '../runtime/stateDir.js';
import { writePidFile } from '../runtime/pidFile.js';
import { Logger } from '../runtime/logger.js';
import { daemonize, isDaemonChild, reportReady } from '../runtime/daemon.js';
import { serveUntilStopped } from '../runtime/serveUntilStopped.js';
import { vtpmVersion } from '../runtime/version.js';
import { ekCertificateSummary, manufacturedTpm } from '../runtime/servedTpm.js';
import { SOCKET_HELP } from './helpText.js';
import { sendStartup } from './startupCommand.js';

/** `vtpm socket ...`: swtpm's socket mode. */
export async function runSocket(argv: readonly string[]): Promise<void> {
  const opts = parseSocketOptions(argv);
  if (opts.help) return void process.stdout.write(SOCKET_HELP);
  if (opts.printCapabilities) return void process.stdout.write(`${capabilitiesJson()}\n`);
  if (opts.stateDir) prepareStateDir(opts.stateDir);
  if (opts.daemon && !isDaemonChild()) await daemonize();

  const logger = new Logger(opts.log);
  const manufactured = opts.ekCertCaDir ? await manufacturedTpm('vtpm socket', opts.ekCertCaDir) : null;
  const tpm = manufactured?.tpm ?? new Tpm();
  if (opts.startup) await sendStartup(tpm, opts.startup, logger);
  const server = await SwtpmServer.start({
    tpm,
    host: opts.server.host,
    port: opts.server.port,
    ctrlHost: opts.ctrl?.host ?? opts.server.host,
    ctrlPort: opts.ctrl?.port ?? 0,
    needInit: opts.needInit,
    rejectLocality4: opts.rejectLocality4,
  });
  const cleanups = opts.pidFile ? [writePidFile(opts.pidFile)] : [];
  const certificates = manufactured ? `; ${ekCertificateSummary(manufactured.manufactured, opts.ekCertCaDir!)}` : '';
  const line = `vtpm: swtpm socket TPM listening on ${server.host}:${server.port} (control ${server.ctrlHost}:${server.ctrlPort})${opts.needInit ? ', waiting for CMD_INIT' : ''}${certificates}`;
  logger.log(1, line);
  // Signal handlers first: a client may stop the server as soon as it reads the listening line.
  const serving = serveUntilStopped(server, logger, cleanups);
  reportReady(line);
  await serving;
}

/** What `swtpm socket --print-capabilities` reports, for the features vtpm has. */
function capabilitiesJson(): string {
  const features = ['tpm-2.0', 'tpm-send-command-header', 'flags-opt-startup', 'cmdarg-seccomp'];
  return JSON.stringify({ type: 'swtpm', features, version: vtpmVersion() });
}
