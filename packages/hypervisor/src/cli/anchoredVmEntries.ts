import type { Host } from '../host/host.js';
import { listVtpmAnchors, raiseVtpmAnchor, releaseVtpmAnchor } from '../vm/vtpmRollbackAnchor.js';
import { listVmIds, loadVmEntry, removeVmEntry, saveHostTpm, saveVmEntry, type VmEntry } from './hostDirectory.js';

/**
 * A host directory's VM entries kept in step with the rollback anchors in the host TPM, so that
 * after a crash at any point every record names an anchor that exists on disk and no anchor is
 * ahead of the newest record: the host TPM state goes to disk before a record naming a new anchor,
 * the record before its anchor counts up. Host TPM writes are serialized (one state file, several
 * VMs); a host daemon holds one of these for its lifetime.
 */
export class AnchoredVmEntries {
  private tpmWrites: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string, readonly host: Host) {}

  /** Writes the entry durably, then raises its anchor to its vTPM generation; an anchor it replaces (a VM that arrived again) is released. */
  async save(entry: VmEntry): Promise<void> {
    const { vtpmAnchor } = entry.record;
    const replaced = (await this.stored(entry.record.config.vmId))?.record.vtpmAnchor;
    if (replaced !== vtpmAnchor) await this.saveTpm();
    await saveVmEntry(this.dir, entry);
    let changed = await raiseVtpmAnchor(this.host, entry.record);
    if (replaced !== undefined && replaced !== vtpmAnchor) {
      await releaseVtpmAnchor(this.host, replaced);
      changed = true;
    }
    if (changed) await this.saveTpm();
  }

  /** Forgets the VM here (record, memory file), then releases its anchor. */
  async remove(vmId: string, memoryFile?: string): Promise<void> {
    const stored = await this.stored(vmId);
    await removeVmEntry(this.dir, vmId, memoryFile);
    if (!stored) return;
    await releaseVtpmAnchor(this.host, stored.record.vtpmAnchor);
    await this.saveTpm();
  }

  /** Releases anchors no record names (a crash between allocating one and writing its record). Returns their handles; none while any record is unreadable. */
  async releaseUnnamedAnchors(): Promise<number[]> {
    const named = new Set<number>();
    for (const vmId of await listVmIds(this.dir)) {
      const entry = await this.stored(vmId);
      if (!entry) return [];
      named.add(entry.record.vtpmAnchor);
    }
    const unnamed = (await listVtpmAnchors(this.host.client)).filter((index) => !named.has(index));
    for (const index of unnamed) await releaseVtpmAnchor(this.host, index);
    if (unnamed.length) await this.saveTpm();
    return unnamed;
  }

  /** The entry on disk now; none when absent or unreadable (then its anchor is not known and stays). */
  private stored(vmId: string): Promise<VmEntry | undefined> {
    return loadVmEntry(this.dir, vmId).catch(() => undefined);
  }

  /** Each write takes the TPM's state when it runs, so the last one queued holds every change before it. */
  private saveTpm(): Promise<void> {
    const write = this.tpmWrites.then(() => saveHostTpm(this.dir, this.host));
    this.tpmWrites = write.catch(() => undefined);
    return write;
  }
}
