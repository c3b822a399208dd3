import { InProcessTransport, Tpm, TpmClient } from '@vtpm/tpm';
import type { Host } from '../host/host.js';
import { deriveVmSubkey } from '../keys/vmKeyDerivation.js';
import { GuestMemory, type GuestMemoryBackingFile, type HostMemoryView, type MigratedIntegrity } from '../memory/guestMemory.js';
import { EncryptedVcpu, type EncryptedRegisters } from './vcpuRegisters.js';
import type { VmRecord } from './vmRecord.js';
import { advanceVtpmAnchor, allocateVtpmAnchor, readVtpmAnchor, releaseVtpmAnchor, type VtpmAnchor } from './vtpmRollbackAnchor.js';
import { openVtpmState, sealVtpmState, type OpenedVtpmState } from './vtpmStateEnvelope.js';

/** Everything the host holds for a running VM: ciphertext only (the admin API's whole input). */
export interface VmHostState {
  vmId: string;
  memory: HostMemoryView;
  registers: EncryptedRegisters[];
  /** The vTPM's current state, encrypted under the VM's vTPM-state key. */
  vtpmState: Buffer;
}

/** A VM as it arrives by migration: its key sealed here, its vTPM state as the source sealed it (anchored to the source's counter). */
export type ArrivingVmRecord = Pick<VmRecord, 'config' | 'sealedKey' | 'vtpmState' | 'registers'>;

/** How a VM's memory starts: see GuestMemoryOptions (zeros by default). */
export interface VmStartOptions {
  /** Durable memory: written through to this file; `resume` continues from it (a restart after a checkpoint). */
  backingFile?: GuestMemoryBackingFile;
  /** The memory's ciphertext to start from (a migrated VM's pages). */
  ciphertext?: Buffer;
  /** With `ciphertext` of a gcm VM: the tags and versions that migrated with it (GuestMemoryOptions.migratedIntegrity). */
  migratedIntegrity?: MigratedIntegrity;
}

/**
 * A started VM. Starting unseals the VM key through the host TPM's policy session (a host whose
 * boot measurements changed fails here with BootMeasurementsChangedError), derives the per-use
 * subkeys and scrubs the VM key at once; the vTPM state opens only at or above the count of the
 * VM's rollback anchor in the host TPM (vtpmRollbackAnchor.ts). Stopping saves the vTPM encrypted
 * and scrubs memory, registers and subkeys.
 */
export class RunningVm {
  readonly memory: GuestMemory;
  readonly vcpus: EncryptedVcpu[];
  private vtpmInstance: Tpm;
  private readonly vtpmKey: Buffer;
  private readonly anchor: VtpmAnchor;
  private generation: bigint;
  private stopped = false;

  /** Takes over `vtpmKey`; the state blobs are the caller's to scrub. */
  private constructor(readonly record: VmRecord, vmKey: Buffer, vtpmKey: Buffer, state: OpenedVtpmState, options: VmStartOptions) {
    const { vmId, memoryPages, mode, vcpus } = record.config;
    if (record.registers && record.registers.length !== vcpus) throw new Error(`the record of ${vmId} holds ${record.registers.length} vCPU save areas for ${vcpus} vCPUs`);
    const memoryKey = deriveVmSubkey(vmKey, vmId, mode === 'gcm' ? 'memoryGcm' : 'memoryXts');
    try {
      this.memory = new GuestMemory({ pageCount: memoryPages, mode, key: memoryKey, ...options });
    } finally {
      memoryKey.fill(0); // GuestMemory keeps its own copy
    }
    this.vcpus = Array.from({ length: vcpus }, (_, i) => new EncryptedVcpu(deriveVmSubkey(vmKey, vmId, 'vcpuRegisters'), vmId, i, record.registers?.[i]));
    this.vtpmInstance = Tpm.restore({ permanent: state.permanent, volatile: state.volatile });
    this.vtpmKey = vtpmKey;
    this.anchor = state.anchor;
    this.generation = state.generation;
  }

  /**
   * Starts `record` on `host`; with a record from checkpoint() and `backingFile.resume` it continues
   * where the checkpoint (and the memory file) left it. A vTPM state older than the VM's anchor
   * (a rolled-back record), or sealed against another counter, is refused with VtpmStateError;
   * the state that opens becomes the oldest one accepted from now on.
   */
  static async start(host: Host, record: VmRecord, options: VmStartOptions = {}): Promise<RunningVm> {
    const { vmId } = record.config;
    const held = await readVtpmAnchor(host, record.vtpmAnchor, vmId);
    return RunningVm.assemble(host, record.sealedKey, vmId, (vtpmKey) => openVtpmState(vtpmKey, vmId, record.vtpmState, 0n, held), async (vmKey, vtpmKey, state) => {
      await advanceVtpmAnchor(host, held.anchor.index, state.generation, vmId);
      return new RunningVm(record, vmKey, vtpmKey, state, options);
    });
  }

  /**
   * Starts a VM that arrived by migration: the stream authenticated its vTPM state and the
   * migration epoch inside it guards against old ones, so the source's anchor is not looked for;
   * a new anchor is allocated in this host's TPM and the state is anchored to it (generation =
   * the new counter's count) from the next checkpoint on.
   */
  static async arrive(host: Host, arriving: ArrivingVmRecord, options: VmStartOptions = {}): Promise<RunningVm> {
    const { vmId } = arriving.config;
    return RunningVm.assemble(host, arriving.sealedKey, vmId, (vtpmKey) => openVtpmState(vtpmKey, vmId, arriving.vtpmState), async (vmKey, vtpmKey, opened) => {
      const { anchor, value } = await allocateVtpmAnchor(host, vmId);
      try {
        return new RunningVm({ ...arriving, vtpmAnchor: anchor.index, vtpmGeneration: value }, vmKey, vtpmKey, { ...opened, anchor, generation: value }, options);
      } catch (e) {
        await releaseVtpmAnchor(host, anchor.index);
        throw e;
      }
    });
  }

  /**
   * Unseals the VM key, derives the vTPM-state key, opens the state with `open` and builds the VM
   * with `make`. The VM key and the opened blobs are scrubbed whatever happens, the vTPM-state key
   * unless a VM took it over.
   */
  private static async assemble(
    host: Host, sealedKey: VmRecord['sealedKey'], vmId: string,
    open: (vtpmKey: Buffer) => OpenedVtpmState, make: (vmKey: Buffer, vtpmKey: Buffer, state: OpenedVtpmState) => Promise<RunningVm>,
  ): Promise<RunningVm> {
    const vmKey = await host.unsealVmKey(sealedKey);
    const vtpmKey = deriveVmSubkey(vmKey, vmId, 'vtpmState');
    let state: OpenedVtpmState | undefined;
    try {
      state = open(vtpmKey);
      return await make(vmKey, vtpmKey, state);
    } catch (e) {
      vtpmKey.fill(0);
      throw e;
    } finally {
      vmKey.fill(0);
      state?.permanent.fill(0);
      state?.volatile?.fill(0);
    }
  }

  get vmId(): string {
    return this.record.config.vmId;
  }

  /** The guest's own TPM (its firmware runs Startup). */
  get vtpm(): Tpm {
    return this.vtpmInstance;
  }

  vtpmClient(): TpmClient {
    return new TpmClient(new InProcessTransport(this.vtpmInstance));
  }

  hostState(): VmHostState {
    this.assertRunning();
    return { vmId: this.vmId, memory: this.memory.hostView(), registers: this.vcpus.map((v) => v.encryptedState()), vtpmState: this.sealedVtpmState(this.generation) };
  }

  /**
   * The record to continue this VM from, taken without stopping it: the vTPM state sealed as the
   * next generation and the vCPU save areas. Together with the memory's backing file (always
   * current) it is a restart point; the vTPM and vCPUs are only as current as the last checkpoint.
   */
  checkpoint(): VmRecord {
    this.assertRunning();
    this.generation++;
    return { ...this.record, vtpmAnchor: this.anchor.index, vtpmState: this.sealedVtpmState(this.generation), vtpmGeneration: this.generation, registers: this.vcpus.map((v) => v.encryptedState()) };
  }

  /** The host TPM counter this VM's vTPM state is anchored to (see vtpmRollbackAnchor.ts). */
  get vtpmAnchor(): number {
    return this.anchor.index;
  }

  /** Stops the VM: the vTPM state is saved (next generation, encrypted), then every secret is overwritten and the memory (and its file) dropped. Returns the record of the powered-off VM. */
  stop(): VmRecord {
    const { registers: _poweredOff, ...record } = this.checkpoint();
    this.forget(() => this.memory.scrub());
    return record;
  }

  /**
   * The VM leaves this process but not the host (an orderly daemon shutdown): checkpoint, then
   * every secret here is overwritten while the memory's backing file stays for RunningVm.start
   * with `resume`. Returns the checkpoint.
   */
  release(): VmRecord {
    const record = this.checkpoint();
    this.forget(() => this.memory.release());
    return record;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private forget(dropMemory: () => void): void {
    dropMemory();
    for (const v of this.vcpus) v.scrub();
    this.vtpmKey.fill(0);
    this.stopped = true;
  }

  private sealedVtpmState(generation: bigint): Buffer {
    const blobs = this.vtpmInstance.save();
    const sealed = sealVtpmState(this.vtpmKey, this.vmId, generation, this.anchor, blobs);
    blobs.permanent.fill(0);
    blobs.volatile.fill(0);
    return sealed;
  }

  private assertRunning(): void {
    if (this.stopped) throw new Error(`VM ${this.vmId} is stopped`);
  }
}
