import { formatMigrationReport, HostDaemonClient, HostDaemonError, ProgressBar, type MigrationReport, type VmSummary } from '@vtpm/migration';
import type { VmOptions } from '../args/hypervisorOptions.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { readInputFile } from '../runtime/files.js';
import { hostControlSocketPath } from '../runtime/hostDaemonLink.js';
import { readPolicyFile } from '../runtime/policyFile.js';

const absolute = (path: string): string => (path.startsWith('/') ? path : `${process.cwd()}/${path}`);
const out = (text: string) => void process.stdout.write(text);

type Action = (command: string, opts: VmOptions, client: HostDaemonClient) => Promise<void>;

/** `vtpm vm ...` while a host daemon serves DIR: each action is a request on its control socket. */
export async function vmThroughDaemon(command: string, opts: VmOptions): Promise<void> {
  const client = await HostDaemonClient.connect(hostControlSocketPath(opts.hostDir)).catch((e: unknown) => {
    throw new CommandFailure(`${command}: cannot reach the host daemon of ${opts.hostDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  });
  try {
    await ACTIONS[opts.action](command, opts, client);
  } catch (e) {
    if (e instanceof CommandFailure) throw e;
    throw new CommandFailure(`${command}: ${oneLine((e as Error).message)}`);
  } finally {
    client.close();
  }
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ');

function describeVm(vm: VmSummary): string {
  const where = vm.migration ? ` (migration epoch ${vm.migration.epoch}${vm.migration.peer ? ` with ${vm.migration.peer}` : ''})` : '';
  const extra = [vm.memoryPages ? `${vm.memoryPages} pages` : '', vm.workload ? 'guest writing' : '', vm.problem ? `not resumed: ${vm.problem}` : ''].filter(Boolean).join(', ');
  return `${vm.vmId.padEnd(16)} ${vm.state}${where}${extra ? `  ${extra}` : ''}`;
}

/** A refused or failed migration in one line: the reason, the failing PCRs, and where the VM is. */
function migrationFailure(command: string, hostDir: string, vmId: string, e: unknown): CommandFailure {
  if (!(e instanceof HostDaemonError)) return new CommandFailure(`${command}: VM ${vmId}: ${oneLine((e as Error).message)}; vtpm vm list on both hosts shows where it runs`);
  const pcrs = e.failingPcrs?.length ? `; failing PCRs: ${e.failingPcrs.join(', ')}` : '';
  if (e.code !== 'aborted') return new CommandFailure(`${command}: VM ${vmId}: ${oneLine(e.message)}${pcrs}`);
  const reason = oneLine(e.message).replace(/; the VM keeps running on the source$/, '');
  return new CommandFailure(`${command}: VM ${vmId} not migrated: ${reason}${pcrs}; the VM keeps running on the source (${hostDir})`);
}

const ACTIONS: Record<VmOptions['action'], Action> = {
  async create(command, opts, client) {
    if (opts.operatorKey !== null) throw new CommandFailure(`${command}: --operator-key is not supported through the host daemon: stop the daemon to create a VM with an operator key`);
    const vm = await client.createVm({ vmId: opts.vmId, memoryPages: opts.pages!, mode: opts.mode, ...(opts.vcpus !== null ? { vcpus: opts.vcpus } : {}) }, opts.keySource);
    out(
      `VM ${opts.vmId}: created by the host daemon of ${opts.hostDir}: ${vm.memoryPages || opts.pages} pages, AES-256-${opts.mode.toUpperCase()}; ` +
        `key ${opts.keySource === 'broker' ? 'released by the key broker' : 'generated'} and sealed by the host TPM; next: vtpm vm start --host-dir ${opts.hostDir} ${opts.vmId}\n`,
    );
  },
  async start(command, opts, client) {
    const writes = opts.guestWrites.map((w) => ({ gpa: w.gpa, data: readInputFile(command, '--guest-write', w.file) }));
    await client.startVm(opts.vmId);
    let written = 0;
    try {
      for (const w of writes) {
        await client.writeGuest(opts.vmId, w.gpa, w.data);
        written += w.data.length;
      }
    } finally {
      for (const w of writes) w.data.fill(0);
    }
    out(`vtpm: VM ${opts.vmId} running in the host daemon of ${opts.hostDir}${written ? `, ${written} bytes written by the guest` : ''}; durable: a daemon restart resumes it\n`);
  },
  async stop(_command, opts, client) {
    await client.stopVm(opts.vmId);
    out(`VM ${opts.vmId} stopped: vTPM state saved encrypted, memory and keys scrubbed\n`);
  },
  async dump(_command, opts, client) {
    const { bytes } = await client.dumpVm(opts.vmId, absolute(opts.out!));
    out(`VM ${opts.vmId}: snapshot ${opts.out} (${bytes} bytes): ciphertext only, as the host holds it; no key and no plaintext is in it\n`);
  },
  async write(command, opts, client) {
    const data = readInputFile(command, '--data-file', opts.dataFile!);
    try {
      await client.writeGuest(opts.vmId, opts.gpa!, data);
    } finally {
      data.fill(0);
    }
    out(`VM ${opts.vmId}: the guest wrote ${data.length} bytes at 0x${opts.gpa!.toString(16)}\n`);
  },
  async read(_command, opts, client) {
    out(`${(await client.readGuest(opts.vmId, opts.gpa!, opts.length!)).toString('hex')}\n`);
  },
  async hash(_command, opts, client) {
    out(`${await client.memoryHash(opts.vmId)}\n`);
  },
  async list(_command, opts, client) {
    const vms = await client.listVms();
    if (opts.json) return out(`${JSON.stringify(vms, null, 2)}\n`);
    out(vms.length ? vms.map((vm) => `${describeVm(vm)}\n`).join('') : `no VMs on the host ${opts.hostDir}\n`);
  },
  async workload(_command, opts, client) {
    const w = opts.workload!;
    if (w === 'stop') return out(`VM ${opts.vmId}: the guest stopped writing (${(await client.stopWorkload(opts.vmId)).writes} writes)\n`);
    await client.startWorkload(opts.vmId, w);
    out(`VM ${opts.vmId}: the guest writes ${w.pagesPerTick} random page${w.pagesPerTick === 1 ? '' : 's'} every ${w.intervalMs} ms (vtpm vm workload ... --stop)\n`);
  },
  async migrate(command, opts, client) {
    const policy = readPolicyFile(command, opts.policyFile!);
    const bar = new ProgressBar(process.stderr);
    let report: MigrationReport;
    try {
      report = await client.migrate(opts.vmId, { to: opts.to!, policy, keyRelease: opts.keyRelease, ...(opts.maxDowntimeMs !== null ? { maxDowntimeMs: opts.maxDowntimeMs } : {}), ...(opts.autoConverge ? {} : { autoConverge: false }) }, (p) => bar.update(p));
    } catch (e) {
      throw migrationFailure(command, opts.hostDir, opts.vmId, e);
    } finally {
      bar.finish();
    }
    if (opts.json) return out(`${JSON.stringify({ ...report, epoch: report.epoch.toString() }, null, 2)}\n`);
    out(`${formatMigrationReport(report).join('\n')}\n`);
  },
};
