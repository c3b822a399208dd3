import { raiseVtpmAnchor, releaseVtpmAnchor, type Host, type VmEntry } from '@vtpm/hypervisor';
import type { AcceptedEpoch, MigrationJournal } from './migrationJournal.js';

/**
 * A journal that lives as long as the process: in-process hosts (tests, benchmark) whose "crash"
 * is the end of the process. With the host, VM anchors follow the entries as on disk (raised on
 * save, released when replaced or removed), so the host TPM's NV does not fill up.
 */
export class InMemoryMigrationJournal implements MigrationJournal {
  readonly vms = new Map<string, VmEntry>();
  private readonly epochs = new Map<string, AcceptedEpoch>();

  constructor(private readonly host?: Host) {}

  memoryFilePath(): undefined {
    return undefined;
  }

  async saveVm(entry: VmEntry): Promise<void> {
    const replaced = this.vms.get(entry.record.config.vmId)?.record.vtpmAnchor;
    this.vms.set(entry.record.config.vmId, entry);
    if (!this.host) return;
    await raiseVtpmAnchor(this.host, entry.record);
    if (replaced !== undefined && replaced !== entry.record.vtpmAnchor) await releaseVtpmAnchor(this.host, replaced);
  }

  async removeVm(vmId: string): Promise<void> {
    const removed = this.vms.get(vmId);
    this.vms.delete(vmId);
    if (this.host && removed) await releaseVtpmAnchor(this.host, removed.record.vtpmAnchor);
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
