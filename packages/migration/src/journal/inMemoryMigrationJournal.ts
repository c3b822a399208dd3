import type { VmEntry } from '@vtpm/hypervisor';
import type { AcceptedEpoch, MigrationJournal } from './migrationJournal.js';

/** A journal that lives as long as the process: in-process hosts (tests, benchmark) whose "crash" is the end of the process. */
export class InMemoryMigrationJournal implements MigrationJournal {
  readonly vms = new Map<string, VmEntry>();
  private readonly epochs = new Map<string, AcceptedEpoch>();

  memoryFilePath(): undefined {
    return undefined;
  }

  async saveVm(entry: VmEntry): Promise<void> {
    this.vms.set(entry.record.config.vmId, entry);
  }

  async removeVm(vmId: string): Promise<void> {
    this.vms.delete(vmId);
  }

  async loadVms(): Promise<VmEntry[]> {
    return [...this.vms.values()];
  }

  async loadVm(vmId: string): Promise<VmEntry | undefined> {
    return this.vms.get(vmId);
  }

  async acceptEpoch(vmId: string, accepted: AcceptedEpoch): Promise<void> {
    this.epochs.set(vmId, accepted);
  }

  async acceptedEpochs(): Promise<Map<string, AcceptedEpoch>> {
    return new Map(this.epochs);
  }
}
