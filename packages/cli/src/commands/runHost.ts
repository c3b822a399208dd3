import { join } from 'node:path';
import { HOST_FILES, MEASURED_BOOT_PCRS, exampleBootChain, hostBoot, hostInit, hostStatus } from '@vtpm/hypervisor';
import { HostDaemonClient, type DaemonStatus } from '@vtpm/migration';
import { parseHostOptions } from '../args/hypervisorOptions.js';
import { hostControlSocketPath, hostDaemonAlive } from '../runtime/hostDaemonLink.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { prepareWritableDirectory } from '../runtime/stateDir.js';
import { HOST_HELP } from './hypervisorHelpText.js';
import { hostPolicy } from './hostPolicy.js';
import { hostServe } from './hostServe.js';

/** A hypervisor failure in one line, naming the command. */
export function hypervisorFailure(command: string, e: unknown): CommandFailure {
  const message = e instanceof Error ? e.message : String(e);
  return new CommandFailure(`${command}: ${message.replace(/\s*\n\s*/g, ' ')}`);
}

const pcrLines = (pcrs: Record<string, string>): string =>
  Object.entries(pcrs)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([pcr, hex]) => `  sha256 ${pcr.padStart(2)}: ${hex}\n`)
    .join('');

/** `vtpm host init|boot|status|serve|policy --host-dir DIR`: a hypervisor host's TPM, measured boot, state, daemon and migration policy. */
export async function runHost(argv: readonly string[]): Promise<void> {
  const opts = parseHostOptions(argv);
  if (opts.help) return void process.stdout.write(HOST_HELP);
  const command = `vtpm host ${opts.action}`;
  const dir = opts.hostDir;
  if (opts.action === 'serve') return hostServe(command, opts);
  if (opts.action === 'policy') return hostPolicy(command, opts);
  // The daemon holds the host TPM in its process: a boot or init under it would be lost or clash.
  if ((opts.action === 'init' || opts.action === 'boot') && (await hostDaemonAlive(dir))) {
    throw new CommandFailure(`${command}: a host daemon serves ${dir}: stop it first (SIGTERM; its VMs stay durable)`);
  }
  if (opts.action === 'init') {
    prepareWritableDirectory(`--host-dir ${dir}`, dir);
    if (opts.caDir !== null) prepareWritableDirectory(`--ca ${opts.caDir}`, opts.caDir);
    const { ekCertificates } = await hostInit(dir, { ...(opts.caDir !== null ? { ca: opts.caDir } : {}), ...(opts.seed ? { seed: opts.seed } : {}) }).catch((e: unknown) => {
      throw hypervisorFailure(command, e);
    });
    process.stdout.write(
      `host ${dir}: host TPM manufactured, ${ekCertificates} EK certificate${ekCertificates === 1 ? '' : 's'} in NV (CA ${opts.caDir ?? 'in memory, not kept'}), ` +
        `state in ${HOST_FILES.tpmPermanent} (holds the seeds: protect it as a TPM's NV)\nnext: vtpm host boot --host-dir ${dir}\n`,
    );
    return;
  }
  if (opts.action === 'boot') {
    const chain = exampleBootChain(opts.chainVersion ?? undefined);
    const { eventLogBytes, pcrs } = await hostBoot(dir, chain).catch((e: unknown) => {
      throw hypervisorFailure(command, e);
    });
    process.stdout.write(`host ${dir}: measured boot of the example chain ${opts.chainVersion ?? '1.0'}; event log ${join(dir, HOST_FILES.eventLog)} (${eventLogBytes} bytes)\n${pcrLines(pcrs)}`);
    return;
  }
  const status = await hostStatus(dir).catch((e: unknown) => {
    throw hypervisorFailure(command, e);
  });
  const daemon = await daemonStatus(dir);
  if (opts.json) return void process.stdout.write(`${JSON.stringify({ ...status, ...(daemon ? { daemon } : {}) }, null, 2)}\n`);
  process.stdout.write(
    `host ${dir}: ${status.booted ? `booted, ${status.events} events in ${HOST_FILES.eventLog}` : 'not booted (vtpm host boot)'}\n` +
      pcrLines(status.pcrs) +
      `VM keys are sealed to PCRs ${(status.sealedToPcrs.length ? status.sealedToPcrs : MEASURED_BOOT_PCRS).join(', ')}\n` +
      `VMs: ${status.vms.length ? status.vms.join(', ') : 'none'}\n` +
      (daemon ? describeDaemon(daemon) : 'daemon: none (vtpm host serve)\n'),
  );
}

/** What the host daemon serving DIR says of itself; null when none answers. */
async function daemonStatus(dir: string): Promise<DaemonStatus | null> {
  if (!(await hostDaemonAlive(dir))) return null;
  const client = await HostDaemonClient.connect(hostControlSocketPath(dir)).catch(() => null);
  try {
    return (await client?.status().catch(() => null)) ?? null;
  } finally {
    client?.close();
  }
}

function describeDaemon(d: DaemonStatus): string {
  const running = d.vms.filter((v) => v.state === 'running').map((v) => v.vmId);
  const doubt = [...d.inDoubt.outgoing.map((v) => `${v} (outgoing)`), ...d.inDoubt.incoming.map((v) => `${v} (incoming)`)];
  return `daemon: serving, migrations on ${d.address}, control socket ${d.controlSocket}; running ${running.length ? running.join(', ') : 'no VMs'}${doubt.length ? `; settling in-doubt migrations of ${doubt.join(', ')}` : ''}\n`;
}
