import { basename } from 'node:path';
import { vmMemoryFileName, type GuestMemoryBackingFile, type Host, type RunningVm, type VmConfig, type VmMigrationMark, type VmState } from '@vtpm/hypervisor';
import { InMemoryMigrationJournal } from './journal/inMemoryMigrationJournal.js';
import type { MigrationJournal } from './journal/migrationJournal.js';
import type { PausableGuest } from './workload/dirtyingWorkload.js';

/** A VM this host (the source) decided to hand over: paused here until the destination confirms. */
export interface OutgoingMigration {
  vm: RunningVm;
  epoch: bigint;
  destination: string;
  resolutionKey: Buffer;
  guest?: PausableGuest;
  /** The stream is gone (broken, or this host restarted): only a resolution settles it now. */
  inDoubt: boolean;
}

/** A VM this host (the destination) received and made durable, not running until its source's commit. */
export interface IncomingMigration {
  vm: RunningVm;
  epoch: bigint;
  /** The source daemon's "host:port" for questions; absent when the source runs in-process. */
  source?: string;
  resolutionKey: Buffer;
  inDoubt: boolean;
}

/** A migration from here in flight, before its decision. A peer's question about it settles it as aborted. */
export interface MigrationAttempt {
  vmId: string;
  epoch: bigint;
  resolutionKey: Buffer;
  abortedByQuestion: boolean;
}

/**
 * A hypervisor host as migration sees it: its measured Host (TPM, event log), the VMs running on
 * it, the ones in the middle of the commit protocol, and the journal that makes all of that
 * survive a crash. `acceptedEpochs` is the highest migration epoch this host accepted per VM: a
 * stream with an epoch not above it is a replay of an older migration.
 */
export class VmHost {
  readonly vms = new Map<string, RunningVm>();
  readonly acceptedEpochs = new Map<string, bigint>();
  /** Resolution keys of the accepted migrations: a 'committed' answer about them is MACed with it. */
  readonly acceptedResolutionKeys = new Map<string, Buffer>();
  readonly outgoing = new Map<string, OutgoingMigration>();
  readonly incoming = new Map<string, IncomingMigration>();
  readonly attempts = new Map<string, MigrationAttempt>();
  /** VMs defined here but powered off (a daemon's `vm create` or `vm stop`), with their config. */
  readonly stopped = new Map<string, Required<VmConfig>>();
  readonly journal: MigrationJournal;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(readonly host: Host, readonly name = 'host', options: { journal?: MigrationJournal } = {}) {
    this.journal = options.journal ?? new InMemoryMigrationJournal(host);
  }

  add(vm: RunningVm): void {
    this.vms.set(vm.vmId, vm);
  }

  vm(vmId: string): RunningVm {
    const vm = this.vms.get(vmId);
    if (!vm) throw new Error(`no VM ${vmId} runs on ${this.name}`);
    return vm;
  }

  /** Whether the VM is here in any form that an incoming copy must not replace. */
  holds(vmId: string): boolean {
    return this.vms.has(vmId) || this.outgoing.has(vmId) || this.stopped.has(vmId);
  }

  /** Writes the VM's restart point (a checkpoint) with its state, durably. */
  async persist(vm: RunningVm, state: VmState, migration?: VmMigrationMark): Promise<void> {
    const file = vm.memory.backingFilePath;
    await this.journal.saveVm({ record: vm.checkpoint(), state, ...(file ? { memoryFile: basename(file) } : {}), ...(migration ? { migration } : {}) });
  }

  /** A new memory file for `vmId` when this host keeps VMs durable (`purpose` keeps an incoming copy apart from others). */
  backingFileFor(vmId: string, purpose?: string): GuestMemoryBackingFile | undefined {
    const path = this.journal.memoryFilePath(vmMemoryFileName(vmId, purpose));
    return path ? { path, resume: false } : undefined;
  }

  /** Runs `fn` with no other exclusive section of the same VM running: the commit protocol's transitions and the answers about them. */
  exclusive<T>(vmId: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.locks.get(vmId) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => undefined);
    this.locks.set(vmId, tail);
    void tail.then(() => {
      if (this.locks.get(vmId) === tail) this.locks.delete(vmId);
    });
    return run;
  }

  /** Migrations whose stream broke before they settled: what resolveInDoubt works on. */
  inDoubt(): { outgoing: string[]; incoming: string[] } {
    const ids = (m: Map<string, { inDoubt: boolean }>) => [...m].filter(([, p]) => p.inDoubt).map(([id]) => id);
    return { outgoing: ids(this.outgoing), incoming: ids(this.incoming) };
  }
}
