import type { VmEntry } from '@vtpm/hypervisor';

/** The highest migration epoch a host accepted for a VM, and that migration's resolution key (to prove later that it committed). */
export interface AcceptedEpoch {
  epoch: bigint;
  resolutionKey?: Buffer;
}

/**
 * What a host must still know after a crash for the commit protocol to hold: each VM's restart
 * point and state (running, stopped, paused-outgoing with the commit decision, prepared-incoming)
 * and the epochs it accepted. Every write is atomic and durable before it resolves: the protocol
 * sends `prepared` and `commit` only after the matching write returned.
 */
export interface MigrationJournal {
  /** Where a durable VM's memory file goes (undefined: this host keeps memory in RAM only). */
  memoryFilePath(fileName: string): string | undefined;
  saveVm(entry: VmEntry): Promise<void>;
  /** Forgets the VM (its entry first, then its memory file). */
  removeVm(vmId: string, memoryFile?: string): Promise<void>;
  loadVms(): Promise<VmEntry[]>;
  loadVm(vmId: string): Promise<VmEntry | undefined>;
  acceptEpoch(vmId: string, accepted: AcceptedEpoch): Promise<void>;
  acceptedEpochs(): Promise<Map<string, AcceptedEpoch>>;
}
