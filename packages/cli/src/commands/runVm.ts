import { existsSync, unlinkSync } from 'node:fs';
import { HOST_FILES, LocalVmKeySource, MEASURED_BOOT_PCRS, OperatorKey, vmCreate, vmDump, vmStart, vmStop, type RunningVm } from '@vtpm/hypervisor';
import { parseVmOptions, type VmOptions } from '../args/hypervisorOptions.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { readInputFile } from '../runtime/files.js';
import { serveVmControl, vmControlAlive, vmControlPath, vmControlRequest, type VmControlAnswer } from '../runtime/vmControl.js';
import { hostDaemonAlive } from '../runtime/hostDaemonLink.js';
import { VM_HELP } from './hypervisorHelpText.js';
import { hypervisorFailure } from './runHost.js';
import { vmThroughDaemon } from './vmThroughDaemon.js';

const PAGE_SIZE = 4096;
/** Octets of the chosen page's ciphertext `vm dump` prints. */
const SAMPLE_BYTES = 32;

/** What only a host daemon does (the VM must live somewhere between commands). */
const DAEMON_ACTIONS: readonly VmOptions['action'][] = ['write', 'read', 'hash', 'list', 'workload', 'migrate'];

/**
 * `vtpm vm ACTION --host-dir DIR VM`: VMs with encrypted memory on a host. With a host daemon
 * serving DIR every action goes through it; without one, create/start/stop/dump work standalone
 * (the VM lives in its `vm start` process).
 */
export async function runVm(argv: readonly string[]): Promise<void> {
  const opts = parseVmOptions(argv);
  if (opts.help) return void process.stdout.write(VM_HELP);
  const command = `vtpm vm ${opts.action}`;
  if (await hostDaemonAlive(opts.hostDir)) return vmThroughDaemon(command, opts);
  if (opts.keySource === 'broker') throw new CommandFailure(`${command}: --key-source broker: no host daemon serves ${opts.hostDir}; the key broker is the daemon's (vtpm host serve ... --broker URL --host-id ID)`);
  if (DAEMON_ACTIONS.includes(opts.action)) {
    throw new CommandFailure(`${command}: no host daemon serves ${opts.hostDir}: start one (vtpm host serve --host-dir ${opts.hostDir} --listen HOST:PORT --psk-file F)`);
  }
  if (opts.action !== 'create' && opts.action !== 'start') return talkToVm(command, opts);
  if (!existsSync(`${opts.hostDir}/${HOST_FILES.tpmPermanent}`)) throw new CommandFailure(`${command}: ${opts.hostDir} holds no host TPM state: run vtpm host init --host-dir ${opts.hostDir} first`);
  if (opts.action === 'create') return createVm(command, opts);
  return startVm(command, opts);
}

async function createVm(command: string, opts: VmOptions): Promise<void> {
  const operator = opts.operatorKey === null ? undefined : operatorKey(command, opts.operatorKey);
  const config = { vmId: opts.vmId, memoryPages: opts.pages!, mode: opts.mode, ...(opts.vcpus !== null ? { vcpus: opts.vcpus } : {}) };
  // The key comes from LocalVmKeySource: generated in this process, sealed by the host TPM at once and scrubbed.
  await vmCreate(opts.hostDir, config, { keySource: new LocalVmKeySource(), ...(operator ? { operator } : {}) }).catch((e: unknown) => {
    throw hypervisorFailure(command, e);
  });
  const mib = (opts.pages! * PAGE_SIZE) / (1024 * 1024);
  process.stdout.write(
    `VM ${opts.vmId}: created on host ${opts.hostDir}: ${opts.pages} pages (${mib} MiB), AES-256-${opts.mode.toUpperCase()}, ${opts.vcpus ?? 1} vCPU${(opts.vcpus ?? 1) === 1 ? '' : 's'}; ` +
      `key generated here and sealed by the host TPM to ${operator ? 'the operator key (PolicyAuthorize, approved for ' : ''}PCRs ${MEASURED_BOOT_PCRS.join(', ')}${operator ? ')' : ''}; ` +
      `record ${opts.hostDir}/${HOST_FILES.vms}/${opts.vmId}.json\n`,
  );
}

function operatorKey(command: string, file: string): OperatorKey {
  const pem = readInputFile(command, '--operator-key', file).toString();
  try {
    return OperatorKey.fromPublicPem(pem);
  } catch (e) {
    throw new CommandFailure(`${command}: --operator-key ${file}: not a PEM public key (${(e as Error).message})`);
  }
}

async function startVm(command: string, opts: VmOptions): Promise<void> {
  const socketPath = vmControlPath(opts.hostDir, opts.vmId);
  if (await vmControlAlive(socketPath)) throw new CommandFailure(`${command}: VM ${opts.vmId} is already running (control socket ${socketPath})`);
  const writes = opts.guestWrites.map((w) => ({ gpa: w.gpa, data: readInputFile(command, '--guest-write', w.file) }));
  const vm: RunningVm = await vmStart(opts.hostDir, opts.vmId).catch((e: unknown) => {
    throw hypervisorFailure(command, e);
  });
  let written = 0;
  try {
    for (const w of writes) {
      vm.memory.write(w.gpa, w.data); // the guest's side: plaintext goes in, the host keeps ciphertext
      written += w.data.length;
    }
  } catch (e) {
    await vmStop(opts.hostDir, vm);
    throw new CommandFailure(`${command}: --guest-write: ${(e as Error).message}`);
  } finally {
    for (const w of writes) w.data.fill(0);
  }
  let stopping: Promise<VmControlAnswer> | null = null;
  const stop = (): Promise<VmControlAnswer> =>
    (stopping ??= vmStop(opts.hostDir, vm).then((): VmControlAnswer => ({ ok: true, vtpmGeneration: String(vm.record.vtpmGeneration + 1n) })));
  const server = await serveVmControl(socketPath, async (request) => {
    if (request.op === 'stop') {
      const answer = await stop();
      setImmediate(finish);
      return answer;
    }
    if (request.op === 'dump') {
      if (stopping) return { ok: false, error: `VM ${opts.vmId} is stopping` };
      const { bytes } = await vmDump(vm, request.out);
      const first = request.page * PAGE_SIZE;
      if (request.page >= vm.memory.pageCount) return { ok: false, error: `--page ${request.page}: the VM has pages 0-${vm.memory.pageCount - 1}` };
      const sample = vm.memory.hostView().ciphertext.subarray(first, first + SAMPLE_BYTES).toString('hex');
      return { ok: true, bytes, mode: vm.memory.mode, pageCount: vm.memory.pageCount, vcpus: vm.vcpus.length, sample };
    }
    return { ok: false, error: `unknown request` };
  }).catch((e: unknown) => {
    vm.stop();
    throw new CommandFailure(`${command}: cannot listen on ${socketPath} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  });
  const finish = () => {
    server.close();
    try {
      unlinkSync(socketPath);
    } catch {
      // already gone
    }
    process.stdout.write(`vtpm: VM ${opts.vmId} stopped; vTPM state saved encrypted, memory and keys scrubbed\n`);
    process.exit(0);
  };
  const onSignal = () => void stop().then(finish, (e: unknown) => {
    process.stderr.write(`${command}: stopping failed: ${(e as Error).message}\n`);
    process.exit(1);
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.stdout.write(
    `vtpm: VM ${opts.vmId} running on host ${opts.hostDir} (${vm.memory.pageCount} pages, ${vm.memory.mode}${written ? `, ${written} bytes written by the guest` : ''}); ` +
      `control socket ${socketPath}; vtpm vm stop --host-dir ${opts.hostDir} ${opts.vmId} (or SIGINT/SIGTERM) stops it\n`,
  );
  await new Promise<never>(() => undefined);
}

/** `vm stop` and `vm dump`: requests to the `vm start` process that holds the VM. */
async function talkToVm(command: string, opts: VmOptions): Promise<void> {
  const socketPath = vmControlPath(opts.hostDir, opts.vmId);
  let answer: VmControlAnswer;
  try {
    answer = await vmControlRequest(socketPath, opts.action === 'stop' ? { op: 'stop' } : { op: 'dump', out: absolute(opts.out!), page: opts.page });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') throw new CommandFailure(`${command}: VM ${opts.vmId} is not running on host ${opts.hostDir} (vtpm vm start --host-dir ${opts.hostDir} ${opts.vmId})`);
    throw new CommandFailure(`${command}: VM ${opts.vmId}: ${code ?? (e as Error).message}`);
  }
  if (!answer.ok) throw new CommandFailure(`${command}: VM ${opts.vmId}: ${answer.error}`);
  if (opts.action === 'stop') return void process.stdout.write(`VM ${opts.vmId} stopped: vTPM state saved encrypted (generation ${String(answer.vtpmGeneration)}), memory and keys scrubbed\n`);
  const a = answer as unknown as { bytes: number; mode: string; pageCount: number; vcpus: number; sample: string };
  process.stdout.write(
    `VM ${opts.vmId}: snapshot ${opts.out} (${a.bytes} bytes): ciphertext only, as the host holds it; no key and no plaintext is in it\n` +
      `  guest memory  ${a.pageCount} pages, AES-256-${a.mode.toUpperCase()} under the VM's memory subkey${a.mode === 'gcm' ? ' (with 16-byte tags per page)' : ''}\n` +
      `  vCPU state    ${a.vcpus} save area${a.vcpus === 1 ? '' : 's'}, AES-256-GCM\n` +
      `  vTPM state    sealed envelope, AES-256-GCM\n` +
      `  page ${opts.page} ciphertext (first ${SAMPLE_BYTES} bytes): ${a.sample}\n`,
  );
}

const absolute = (path: string): string => (path.startsWith('/') ? path : `${process.cwd()}/${path}`);
