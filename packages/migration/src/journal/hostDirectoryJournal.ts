import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AnchoredVmEntries, listVmIds, loadVmEntry, vmMemoryFilePath, type Host, type VmEntry } from '@vtpm/hypervisor';
import { writeFileDurably } from '@vtpm/server';
import type { AcceptedEpoch, MigrationJournal } from './migrationJournal.js';

/** The file in a host directory holding the accepted migration epochs: VM id -> { epoch, resolutionKey }. */
export const ACCEPTED_EPOCHS_FILE = 'migration-epochs.json';

type EpochsJson = Record<string, { epoch: string; resolutionKey?: string }>;

/**
 * The journal of a host daemon: VM entries in the host directory (DIR/vms/ID.json with state,
 * DIR/vms/*.memory) kept in step with their vTPM rollback anchors in `host`'s TPM (its state
 * files are rewritten when an anchor changes), accepted epochs in DIR/migration-epochs.json, each
 * file replaced crash-safely. Epoch updates are serialized in this process so two migrations
 * cannot lose each other's write.
 */
export class HostDirectoryJournal implements MigrationJournal {
  private epochWrites: Promise<unknown> = Promise.resolve();
  readonly entries: AnchoredVmEntries;

  constructor(readonly dir: string, host: Host) {
    this.entries = new AnchoredVmEntries(dir, host);
  }

  memoryFilePath(fileName: string): string {
    return vmMemoryFilePath(this.dir, fileName);
  }

  saveVm(entry: VmEntry): Promise<void> {
    return this.entries.save(entry);
  }

  removeVm(vmId: string, memoryFile?: string): Promise<void> {
    return this.entries.remove(vmId, memoryFile);
  }

  async loadVms(): Promise<VmEntry[]> {
    const entries: VmEntry[] = [];
    for (const vmId of await listVmIds(this.dir)) entries.push(await loadVmEntry(this.dir, vmId));
    return entries;
  }

  async loadVm(vmId: string): Promise<VmEntry | undefined> {
    return (await listVmIds(this.dir)).includes(vmId) ? loadVmEntry(this.dir, vmId) : undefined;
  }

  acceptEpoch(vmId: string, accepted: AcceptedEpoch): Promise<void> {
    const write = this.epochWrites.then(async () => {
      const json = await this.readEpochs();
      json[vmId] = { epoch: accepted.epoch.toString(), ...(accepted.resolutionKey ? { resolutionKey: accepted.resolutionKey.toString('base64') } : {}) };
      await writeFileDurably(join(this.dir, ACCEPTED_EPOCHS_FILE), Buffer.from(JSON.stringify(json, null, 1)), 0o600);
    });
    this.epochWrites = write.catch(() => undefined);
    return write;
  }

  async acceptedEpochs(): Promise<Map<string, AcceptedEpoch>> {
    const json = await this.readEpochs();
    return new Map(Object.entries(json).map(([vmId, a]) => [vmId, { epoch: BigInt(a.epoch), ...(a.resolutionKey ? { resolutionKey: Buffer.from(a.resolutionKey, 'base64') } : {}) }]));
  }

  private async readEpochs(): Promise<EpochsJson> {
    const path = join(this.dir, ACCEPTED_EPOCHS_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw e;
    }
    try {
      const json = JSON.parse(text) as EpochsJson;
      if (typeof json !== 'object' || json === null || Object.values(json).some((a) => typeof a?.epoch !== 'string' || !/^[0-9]+$/.test(a.epoch))) throw new Error('bad shape');
      return json;
    } catch {
      throw new Error(`${path} is not a map of VM ids to accepted epochs: restore it from a backup (deleting it lets old migration streams in again)`);
    }
  }
}
