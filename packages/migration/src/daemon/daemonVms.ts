import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { LocalVmKeySource, PAGE_SIZE, RunningVm, createVmRecord, snapshotToDisk, type VmConfig, type VmKeySource } from '@vtpm/hypervisor';
import { Startup, TPM_SU } from '@vtpm/tpm';
import type { VmHost } from '../vmHost.js';
import { ControlRequestError } from './controlServer.js';
import { MAX_GUEST_IO_BYTES, type VmSummary } from './controlProtocol.js';
import { GuestGate } from './guestGate.js';
import { vmConfigProblem } from '../handshake/helloCheck.js';

/**
 * The VMs of a host daemon as its control protocol sees them: create, start, stop, guest I/O
 * through each VM's GuestGate (waits while paused, fails once moved), workload, dump. Every state
 * change is durable (the VmHost's journal) before it is answered.
 */
export class DaemonVms {
  private readonly gates = new Map<string, GuestGate>();
  private readonly localKeys = new LocalVmKeySource();

  constructor(readonly vmHost: VmHost, readonly problems: Map<string, string>, private readonly brokerKeys?: VmKeySource) {
    for (const [vmId, outgoing] of vmHost.outgoing) outgoing.guest = this.gate(vmId, true);
  }

  /** The gate of a VM on this host (a fresh one for a VM that arrived or came back). */
  gate(vmId: string, paused = false): GuestGate {
    let gate = this.gates.get(vmId);
    if (!gate || (gate.movedTo && (this.vmHost.vms.has(vmId) || this.vmHost.outgoing.has(vmId)))) {
      gate = new GuestGate(vmId, paused);
      this.gates.set(vmId, gate);
    }
    return gate;
  }

  moved(vmId: string, to: string): void {
    this.gates.get(vmId)?.moved(to);
  }

  list(): VmSummary[] {
    const h = this.vmHost;
    const ids = new Set([...h.vms.keys(), ...h.outgoing.keys(), ...h.incoming.keys(), ...h.stopped.keys(), ...this.problems.keys()]);
    return [...ids].sort().map((vmId) => this.summary(vmId)).filter((s): s is VmSummary => !!s);
  }

  summary(vmId: string): VmSummary | undefined {
    const h = this.vmHost;
    const problem = this.problems.get(vmId);
    const base = (vm: RunningVm | undefined, state: VmSummary['state'], migration?: { epoch: bigint; peer?: string }): VmSummary => ({
      vmId, state, memoryPages: (vm?.record.config ?? h.stopped.get(vmId))?.memoryPages ?? 0, vcpus: (vm?.record.config ?? h.stopped.get(vmId))?.vcpus ?? 0,
      workload: this.gates.get(vmId)?.hasWorkload ?? false,
      ...(migration ? { migration: { epoch: migration.epoch.toString(), ...(migration.peer ? { peer: migration.peer } : {}) } } : {}),
      ...(problem ? { problem } : {}),
    });
    const out = h.outgoing.get(vmId);
    const inc = h.incoming.get(vmId);
    if (h.vms.has(vmId)) return base(h.vms.get(vmId), 'running');
    if (out) return base(out.vm, 'paused-outgoing', { epoch: out.epoch, peer: out.destination });
    if (inc) return base(inc.vm, 'prepared-incoming', { epoch: inc.epoch, ...(inc.source ? { peer: inc.source } : {}) });
    if (h.stopped.has(vmId) || problem) return base(undefined, 'stopped');
    return undefined;
  }

  async create(config: VmConfig, keySource: 'local' | 'broker' = 'local'): Promise<VmSummary> {
    const { vmId } = config;
    if ((config.mode ?? 'xts') !== 'xts') throw new ControlRequestError('bad-request', `VM ${vmId}: a host daemon keeps VMs durable and migratable, which takes xts memory (gcm's per-page versions must not reach the disk)`);
    // Only a VM this daemon can hold and its peers would accept by migration (nothing persisted for another).
    const full: Required<VmConfig> = { vmId, memoryPages: config.memoryPages, mode: 'xts', vcpus: config.vcpus ?? 1 };
    const problem = vmConfigProblem(full);
    if (problem) throw new ControlRequestError('bad-request', `createVm: ${problem}`);
    if (keySource !== 'local' && keySource !== 'broker') throw new ControlRequestError('bad-request', `createVm: keySource ${JSON.stringify(keySource)} is neither "local" nor "broker"`);
    if (this.vmHost.holds(vmId) || this.vmHost.incoming.has(vmId)) throw new ControlRequestError('exists', `VM ${vmId} already exists on ${this.vmHost.name}`);
    if (keySource === 'broker' && !this.brokerKeys) throw new ControlRequestError('bad-request', `VM ${vmId}: this daemon has no key broker configured (serve it with a broker)`);
    const record = await createVmRecord(this.vmHost.host, full, keySource === 'broker' ? this.brokerKeys! : this.localKeys);
    if (keySource === 'local') this.localKeys.forget(vmId); // sealed to this host now; no copy stays in the daemon
    await this.vmHost.journal.saveVm({ record, state: 'stopped' });
    this.vmHost.stopped.set(vmId, record.config);
    return this.summary(vmId)!;
  }

  /** Powers a stopped VM on: fresh (zero) memory written through to its file, vTPM started as the guest firmware would. */
  async start(vmId: string): Promise<VmSummary> {
    const h = this.vmHost;
    if (!h.stopped.has(vmId)) throw new ControlRequestError(h.vms.has(vmId) ? 'running' : 'not-found', h.vms.has(vmId) ? `VM ${vmId} is already running` : `VM ${vmId} is not a stopped VM on ${h.name}`);
    const entry = await h.journal.loadVm(vmId);
    if (!entry) throw new ControlRequestError('not-found', `VM ${vmId} has no record on ${h.name}`);
    const vm = await RunningVm.start(h.host, { ...entry.record, registers: undefined }, { backingFile: h.backingFileFor(vmId)! });
    try {
      await vm.vtpmClient().run(Startup, { params: { startupType: TPM_SU.CLEAR } });
      await h.persist(vm, 'running');
    } catch (e) {
      vm.stop();
      throw e;
    }
    h.stopped.delete(vmId);
    this.problems.delete(vmId);
    h.add(vm);
    this.gate(vmId);
    return this.summary(vmId)!;
  }

  async stop(vmId: string): Promise<VmSummary> {
    const h = this.vmHost;
    const vm = this.running(vmId);
    if (h.attempts.has(vmId)) throw new ControlRequestError('migrating', `VM ${vmId} is migrating: stop it after the migration ends`);
    this.gates.get(vmId)?.stopWorkload();
    this.gates.delete(vmId);
    h.vms.delete(vmId);
    const record = vm.stop(); // memory and its file dropped; the vTPM state saved
    await h.journal.saveVm({ record, state: 'stopped' });
    h.stopped.set(vmId, record.config);
    return this.summary(vmId)!;
  }

  async write(vmId: string, gpa: number, data: Buffer): Promise<number> {
    checkIo(gpa, data.length);
    await this.whenRunning(vmId);
    this.inGuest(vmId, gpa, data.length).write(gpa, data);
    return data.length;
  }

  async read(vmId: string, gpa: number, length: number): Promise<Buffer> {
    checkIo(gpa, length);
    await this.whenRunning(vmId);
    return this.inGuest(vmId, gpa, length).read(gpa, length);
  }

  /** The running VM's memory, once the range is known to lie inside it. */
  private inGuest(vmId: string, gpa: number, length: number): RunningVm['memory'] {
    const { memory } = this.running(vmId);
    if (gpa + length > memory.sizeBytes) throw new ControlRequestError('bad-request', `guest range 0x${gpa.toString(16)}+${length} is outside ${vmId}'s memory (${memory.sizeBytes} bytes)`);
    return memory;
  }

  async memoryHash(vmId: string): Promise<string> {
    await this.whenRunning(vmId);
    const { memory } = this.running(vmId);
    const h = createHash('sha256');
    const chunk = Buffer.allocUnsafeSlow(256 * PAGE_SIZE);
    for (let page = 0; page < memory.pageCount; page += 256) {
      const n = Math.min(256, memory.pageCount - page);
      h.update(memory.readPagesInto(page, chunk.subarray(0, n * PAGE_SIZE)));
    }
    chunk.fill(0);
    return h.digest('hex');
  }

  /** The administrator's snapshot of any copy this host holds (running, paused or prepared): ciphertext only. */
  async dump(vmId: string, outFile: string): Promise<number> {
    const h = this.vmHost;
    const vm = h.vms.get(vmId) ?? h.outgoing.get(vmId)?.vm ?? h.incoming.get(vmId)?.vm;
    if (!vm) throw this.absent(vmId);
    if (!outFile.startsWith('/')) throw new ControlRequestError('bad-request', `dump: ${outFile} is not an absolute path (the daemon's working directory is not the client's)`);
    return snapshotToDisk(vm, outFile);
  }

  async startWorkload(vmId: string, pagesPerTick: number, intervalMs: number): Promise<void> {
    if (!Number.isInteger(pagesPerTick) || pagesPerTick < 1 || pagesPerTick > 1 << 20) throw new ControlRequestError('bad-request', `pagesPerTick ${pagesPerTick} is not an integer in 1..${1 << 20}`);
    if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new ControlRequestError('bad-request', `intervalMs ${intervalMs} is not a positive integer`);
    const vm = this.running(vmId);
    this.gate(vmId).startWorkload(vm.memory, { pagesPerTick, intervalMs });
  }

  stopWorkload(vmId: string): number {
    return this.gates.get(vmId)?.stopWorkload() ?? 0;
  }

  /** Orderly stop: workloads halt; each copy here is checkpointed with its state and its memory file kept for the next start. */
  async releaseAll(): Promise<void> {
    const h = this.vmHost;
    for (const gate of this.gates.values()) gate.stopWorkload();
    const keep = async (vm: RunningVm, state: 'running' | 'paused-outgoing' | 'prepared-incoming', migration?: { epoch: bigint; peer?: string; resolutionKey: Buffer }) => {
      const file = vm.memory.backingFilePath;
      const record = vm.release();
      await h.journal.saveVm({ record, state, ...(file ? { memoryFile: basename(file) } : {}), ...(migration ? { migration } : {}) });
    };
    // One VM at a time under its lock: a commit-protocol transition still running finishes first.
    for (const vmId of new Set([...h.vms.keys(), ...h.outgoing.keys(), ...h.incoming.keys()])) {
      await h.exclusive(vmId, async () => {
        const vm = h.vms.get(vmId);
        const o = h.outgoing.get(vmId);
        const i = h.incoming.get(vmId);
        if (vm) await keep(vm, 'running');
        else if (o) await keep(o.vm, 'paused-outgoing', { epoch: o.epoch, peer: o.destination, resolutionKey: o.resolutionKey });
        else if (i) await keep(i.vm, 'prepared-incoming', { epoch: i.epoch, ...(i.source ? { peer: i.source } : {}), resolutionKey: i.resolutionKey });
        h.vms.delete(vmId);
        h.outgoing.delete(vmId);
        h.incoming.delete(vmId);
      });
    }
  }

  /** Halts every workload timer (a simulated crash leaves nothing running). */
  haltWorkloads(): void {
    for (const gate of this.gates.values()) gate.stopWorkload();
  }

  private running(vmId: string): RunningVm {
    const vm = this.vmHost.vms.get(vmId);
    if (!vm) throw this.absent(vmId);
    return vm;
  }

  /** Waits while the VM is paused (stop-and-copy, or a migration in doubt); fails if it moved away or is not running here. */
  private async whenRunning(vmId: string): Promise<void> {
    const h = this.vmHost;
    const gate = h.vms.has(vmId) || h.outgoing.has(vmId) ? this.gate(vmId, h.outgoing.has(vmId)) : undefined;
    if (!gate) throw this.absent(vmId);
    await gate.running();
  }

  private absent(vmId: string): ControlRequestError {
    const h = this.vmHost;
    const gate = this.gates.get(vmId);
    if (gate?.movedTo && !h.vms.has(vmId)) return new ControlRequestError('moved', `VM ${vmId} moved to ${gate.movedTo}: send its guest I/O to that host's daemon`);
    if (h.stopped.has(vmId)) return new ControlRequestError('stopped', `VM ${vmId} is stopped on ${h.name}${this.problems.has(vmId) ? ` (${this.problems.get(vmId)})` : ''}: start it first`);
    if (h.incoming.has(vmId)) return new ControlRequestError('arriving', `VM ${vmId} is arriving by migration: prepared here, waiting for its source's commit`);
    return new ControlRequestError('not-found', `no VM ${vmId} on ${h.name}`);
  }
}

function checkIo(gpa: number, length: number): void {
  if (!Number.isSafeInteger(gpa) || gpa < 0) throw new ControlRequestError('bad-request', `gpa ${JSON.stringify(gpa) ?? 'none'} is not a non-negative integer`);
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_GUEST_IO_BYTES) throw new ControlRequestError('bad-request', `length ${JSON.stringify(length) ?? 'none'} is not an integer in 0..${MAX_GUEST_IO_BYTES}`);
}
