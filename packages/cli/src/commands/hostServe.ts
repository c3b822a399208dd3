import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_FILES } from '@vtpm/hypervisor';
import { loadChannelAuth, migrationPolicyFromJson, startHostDaemon, type ChannelAuth, type HostDaemon, type MigrationPolicy } from '@vtpm/migration';
import type { ChannelAuthFlags } from '../args/channelAuthOptions.js';
import type { HostOptions } from '../args/hypervisorOptions.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { daemonize, isDaemonChild, reportReady } from '../runtime/daemon.js';
import { hostDaemonAlive, hostControlSocketPath } from '../runtime/hostDaemonLink.js';
import { Logger } from '../runtime/logger.js';
import { writePidFile } from '../runtime/pidFile.js';
import { readPolicyFile } from '../runtime/policyFile.js';
import { serveUntilStopped } from '../runtime/serveUntilStopped.js';

/** The ChannelAuth the flags name, its files read now: a bad file fails the start, not the first migration. */
function channelAuth(command: string, flags: ChannelAuthFlags): ChannelAuth {
  try {
    if (flags.kind === 'none') return loadChannelAuth({ none: true });
    if (flags.kind === 'psk') return loadChannelAuth({ pskFile: flags.pskFile, ...(flags.identity ? { identity: flags.identity } : {}) });
    return loadChannelAuth({ certFile: flags.certFile, keyFile: flags.keyFile, caFile: flags.caFile, ...(flags.identity ? { identity: flags.identity } : {}) });
  } catch (e) {
    throw new CommandFailure(`${command}: ${(e as Error).message}`);
  }
}

function startFailure(command: string, opts: HostOptions, e: unknown): CommandFailure {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') return new CommandFailure(`${command}: cannot listen on ${opts.listen!.host}:${opts.listen!.port}: ${err.code}`);
  return new CommandFailure(`${command}: ${(err.message ?? String(e)).replace(/\s*\n\s*/g, ' ')}`);
}

/**
 * `vtpm host serve`: the host daemon until SIGINT / SIGTERM. Its VMs are durable: a stop (or a
 * crash) leaves them on disk, and the next serve resumes them and settles any migration that was
 * in doubt.
 */
export async function hostServe(command: string, opts: HostOptions): Promise<void> {
  const controlSocket = hostControlSocketPath(opts.hostDir);
  if (!existsSync(join(opts.hostDir, HOST_FILES.tpmPermanent))) throw new CommandFailure(`${command}: ${opts.hostDir} holds no host TPM state: run vtpm host init --host-dir ${opts.hostDir} and vtpm host boot first`);
  if (await hostDaemonAlive(opts.hostDir)) throw new CommandFailure(`${command}: a host daemon already serves ${opts.hostDir} (control socket ${controlSocket})`);
  const auth = channelAuth(command, opts.auth!);
  const sourcePolicy: MigrationPolicy | null = opts.requireSourceAttestation === null ? null : migrationPolicyFromJson(readPolicyFile(command, opts.requireSourceAttestation, '--require-source-attestation'));
  if (opts.daemon && !isDaemonChild()) await daemonize();
  const daemon: HostDaemon = await startHostDaemon({
    hostDir: opts.hostDir,
    listen: opts.listen!,
    ...(opts.advertise ? { advertise: opts.advertise } : {}),
    ...(opts.maxStagedMib !== null ? { maxStagedBytes: opts.maxStagedMib * 1024 * 1024 } : {}),
    auth,
    controlSocket,
    ...(opts.broker ? { broker: opts.broker } : {}),
    ...(sourcePolicy ? { requireSourceAttestation: sourcePolicy } : {}),
    // What the daemon does on its own (resumed VMs, settled migrations): the operator's log.
    log: (line) => process.stderr.write(`vtpm: ${line}\n`),
  }).catch((e: unknown) => {
    throw startFailure(command, opts, e);
  });
  // Stopped by a signal (serveUntilStopped) or by a shutdown request on the control socket.
  const server = { closed: daemon.closed, close: () => daemon.shutdown() };
  const cleanups = opts.pidFile ? [writePidFile({ path: opts.pidFile })] : [];
  const vms = daemon.runningVms();
  const line =
    `vtpm: host daemon for ${opts.hostDir} listening on ${opts.advertise ? `${opts.listen!.host}:${opts.listen!.port}, advertised as ${daemon.address},` : daemon.address} for migrations (${describeAuth(opts.auth!)}${sourcePolicy ? `; ${describeSourcePolicy(sourcePolicy)}` : ''}), ` +
    `control socket ${controlSocket}; ${vms.length} VM${vms.length === 1 ? '' : 's'} running${vms.length ? ` (${vms.join(', ')})` : ''}`;
  // Signal handlers first: a test may stop the daemon as soon as it reads the listening line.
  const serving = serveUntilStopped(server, new Logger(null), cleanups);
  reportReady(line);
  await serving;
}

function describeSourcePolicy(policy: MigrationPolicy): string {
  return `each source host must attest to policy ${policy.id}: PCRs ${[...policy.referencePcrs.keys()].join(', ')}${policy.trustedAkNames ? `, AK ${policy.trustedAkNames.map((n) => n.toString('hex')).join(' or ')}` : ''}`;
}

function describeAuth(flags: ChannelAuthFlags): string {
  if (flags.kind === 'none') return 'no peer authentication: --no-auth';
  return flags.kind === 'psk' ? 'peers authenticated by pre-shared key' : 'peers authenticated by operator-CA certificates';
}
