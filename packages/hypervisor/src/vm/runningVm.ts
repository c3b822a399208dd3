import { InProcessTransport, Tpm, TpmClient } from '@vtpm/tpm';
import type { Host } from '../host/host.js';
import { deriveVmSubkey } from '../keys/vmKeyDerivation.js';
import { GuestMemory, type HostMemoryView } from '../memory/guestMemory.js';
import { EncryptedVcpu, type EncryptedRegisters } from './vcpuRegisters.js';
import type { VmRecord } from './vmRecord.js';
import { openVtpmState, sealVtpmState } from './vtpmStateEnvelope.js';

/** Everything the host holds for a running VM: ciphertext only (the admin API's whole input). */
export interface VmHostState {
  vmId: string;
  memory: HostMemoryView;
  registers: EncryptedRegisters[];
  /** The vTPM's current state, encrypted under the VM's vTPM-state key. */
  vtpmState: Buffer;
}

/**
 * A started VM. Starting unseals the VM key through the host TPM's policy session (a host whose
 * boot measurements changed fails here with BootMeasurementsChangedError), derives the per-use
 * subkeys and scrubs the VM key at once; stopping saves the vTPM encrypted and scrubs memory,
 * registers and subkeys.
 */
export class RunningVm {
  readonly memory: GuestMemory;
  readonly vcpus: EncryptedVcpu[];
  private vtpmInstance: Tpm;
  private readonly vtpmKey: Buffer;
  private generation: bigint;
  private stopped = false;

  private constructor(readonly record: VmRecord, vmKey: Buffer) {
    const { vmId, memoryPages, mode, vcpus } = record.config;
    const memoryKey = deriveVmSubkey(vmKey, vmId, mode === 'gcm' ? 'memoryGcm' : 'memoryXts');
    this.memory = new GuestMemory({ pageCount: memoryPages, mode, key: memoryKey });
    memoryKey.fill(0); // GuestMemory keeps its own copy
    this.vcpus = Array.from({ length: vcpus }, (_, i) => new EncryptedVcpu(deriveVmSubkey(vmKey, vmId, 'vcpuRegisters'), vmId, i));
    this.vtpmKey = deriveVmSubkey(vmKey, vmId, 'vtpmState');
    const state = openVtpmState(this.vtpmKey, vmId, record.vtpmState, record.vtpmGeneration);
    this.vtpmInstance = Tpm.restore({ permanent: state.permanent, volatile: state.volatile });
    state.permanent.fill(0);
    state.volatile?.fill(0);
    this.generation = state.generation;
  }

  static async start(host: Host, record: VmRecord): Promise<RunningVm> {
    const vmKey = await host.unsealVmKey(record.sealedKey);
    try {
      return new RunningVm(record, vmKey);
    } finally {
      vmKey.fill(0);
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

  /** Stops the VM: the vTPM state is saved (next generation, encrypted), then every secret is overwritten. Returns the updated record. */
  stop(): VmRecord {
    this.assertRunning();
    this.generation++;
    const vtpmState = this.sealedVtpmState(this.generation);
    this.memory.scrub();
    for (const v of this.vcpus) v.scrub();
    this.vtpmKey.fill(0);
    this.stopped = true;
    return { ...this.record, vtpmState, vtpmGeneration: this.generation };
  }

  private sealedVtpmState(generation: bigint): Buffer {
    const blobs = this.vtpmInstance.save();
    const sealed = sealVtpmState(this.vtpmKey, this.vmId, generation, blobs);
    blobs.permanent.fill(0);
    blobs.volatile.fill(0);
    return sealed;
  }

  private assertRunning(): void {
    if (this.stopped) throw new Error(`VM ${this.vmId} is stopped`);
  }
}
