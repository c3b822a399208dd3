import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { HOST_FILES, MEASURED_BOOT_PCRS, exampleBootChain, hostBoot, hostInit, hostStatus, type BootComponentReplacements } from '@vtpm/hypervisor';
import { HostDaemonClient, type DaemonStatus } from '@vtpm/migration';
import { parseHostOptions, type HostOptions } from '../args/hypervisorOptions.js';
import { hostControlSocketPath, hostDaemonAlive } from '../runtime/hostDaemonLink.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { readInputFile } from '../runtime/files.js';
import { prepareWritableDirectory } from '../runtime/stateDir.js';
import { HOST_HELP } from './hypervisorHelpText.js';
import { hostPolicy } from './hostPolicy.js';
import { hostServe } from './hostServe.js';

/** A hypervisor failure in one line, naming the command. */
export function hypervisorFailure(command: string, e: unknown): CommandFailure {
  const message = e instanceof Error ? e.message : String(e);
  return new CommandFailure(`${command}: ${message.replace(/\s*\n\s*/g, ' ')}`);
}

/** One line per PCR; `notes` adds a remark to some (e.g. which replaced component reached it). */
const pcrLines = (pcrs: Record<string, string>, notes: Record<string, string> = {}): string =>
  Object.entries(pcrs)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([pcr, hex]) => `  sha256 ${pcr.padStart(2)}: ${hex}${notes[pcr] ? `  (${notes[pcr]})` : ''}\n`)
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
  if (opts.action === 'boot') return hostBootCommand(command, opts);
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

/** `vtpm host boot`: the example chain, with the components --replace names measured from their files (a "tampered host" on purpose). */
async function hostBootCommand(command: string, opts: HostOptions): Promise<void> {
  const replace: BootComponentReplacements = Object.fromEntries(opts.replacements.map((r) => [r.component, readInputFile(command, `--replace ${r.component}:`, r.file)]));
  const { eventLogBytes, pcrs, replaced } = await hostBoot(opts.hostDir, exampleBootChain(opts.chainVersion ?? undefined), replace).catch((e: unknown) => {
    throw hypervisorFailure(command, e);
  });
  const described = opts.replacements.map((r) => {
    const bytes = replace[r.component]!;
    return `${r.component} replaced by ${r.file} (${bytes.length} bytes, SHA-256 ${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}…)`;
  });
  const notes = Object.fromEntries(replaced.map((r) => [String(r.pcr), `${r.component} replaced`]));
  process.stdout.write(
    `host ${opts.hostDir}: measured boot of the example chain ${opts.chainVersion ?? '1.0'}${described.length ? ` with ${described.join(', ')}` : ''}; event log ${join(opts.hostDir, HOST_FILES.eventLog)} (${eventLogBytes} bytes)\n` +
      pcrLines(pcrs, notes) +
      (replaced.length ? `the replaced component${replaced.length === 1 ? ' reaches' : 's reach'} PCR ${replaced.map((r) => r.pcr).sort((a, b) => a - b).join(', ')}: only there does this boot differ from the unmodified chain ${opts.chainVersion ?? '1.0'}\n` : ''),
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
