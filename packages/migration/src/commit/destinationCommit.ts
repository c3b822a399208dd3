import { basename } from 'node:path';
import type { RunningVm } from '@vtpm/hypervisor';
import type { IncomingMigration, VmHost } from '../vmHost.js';

/**
 * The destination's side of the commit protocol: a received VM becomes durable as
 * prepared-incoming (not running) before `prepared` is sent, runs only after its source's commit,
 * and is dropped only on its source's abort. It never decides alone.
 */

export interface PrepareInput {
  vm: RunningVm;
  epoch: bigint;
  source?: string;
  resolutionKey: Buffer;
}

/**
 * Makes the received VM durable as prepared-incoming. An older prepared copy of the same VM is
 * superseded and scrubbed: its source started a newer attempt, which it does only with the VM
 * running there, so that older attempt was aborted.
 */
export function prepareIncoming(target: VmHost, input: PrepareInput): Promise<IncomingMigration> {
  const { vm, epoch, source, resolutionKey } = input;
  const { vmId } = vm;
  return target.exclusive(vmId, async () => {
    const older = target.incoming.get(vmId);
    if (older && older.epoch >= epoch) throw new Error(`stale-epoch: ${vmId} is already prepared here at epoch ${older.epoch}, not older than ${epoch}`);
    if (target.holds(vmId)) throw new Error(`vm-exists: ${vmId} is already on ${target.name}`);
    const accepted = target.acceptedEpochs.get(vmId) ?? 0n;
    if (epoch <= accepted) throw new Error(`stale-epoch: migration epoch ${epoch} of ${vmId} is not newer than ${accepted}, already accepted here`);
    await target.persist(vm, 'prepared-incoming', { epoch, ...(source ? { peer: source } : {}), resolutionKey });
    if (older) older.vm.stop(); // its memory file goes with it; the journal entry now is the new one
    const incoming: IncomingMigration = { vm, epoch, ...(source ? { source } : {}), resolutionKey, inDoubt: false };
    target.incoming.set(vmId, incoming);
    return incoming;
  });
}

/** The source committed: the epoch is accepted and the VM marked running, durably, then it runs here. */
export function commitIncoming(target: VmHost, vmId: string): Promise<RunningVm> {
  return target.exclusive(vmId, async () => {
    const incoming = target.incoming.get(vmId);
    if (!incoming) throw new Error(`${vmId} is not prepared on ${target.name}`);
    await target.journal.acceptEpoch(vmId, { epoch: incoming.epoch, resolutionKey: incoming.resolutionKey });
    target.acceptedEpochs.set(vmId, incoming.epoch);
    target.acceptedResolutionKeys.set(vmId, incoming.resolutionKey);
    await target.persist(incoming.vm, 'running');
    target.incoming.delete(vmId);
    target.add(incoming.vm);
    return incoming.vm;
  });
}

/** The source aborted: the prepared copy is scrubbed and forgotten (record first, then memory). */
export function dropIncoming(target: VmHost, vmId: string): Promise<void> {
  return target.exclusive(vmId, async () => {
    const incoming = target.incoming.get(vmId);
    if (!incoming) return;
    const memoryFile = incoming.vm.memory.backingFilePath;
    await target.journal.removeVm(vmId, memoryFile ? basename(memoryFile) : undefined);
    incoming.vm.stop();
    target.incoming.delete(vmId);
  });
}

/** The stream broke after this host prepared the VM: it stays prepared (not running) until the source's decision is known (resolveInDoubt). */
export class IncomingMigrationInDoubtError extends Error {
  override name = 'IncomingMigrationInDoubtError';
  constructor(readonly vmId: string, readonly epoch: bigint, override readonly cause: unknown) {
    super(`incoming migration of ${vmId} (epoch ${epoch}) in doubt: prepared here, but the source's decision never arrived (${cause instanceof Error ? cause.message : String(cause)}); the VM stays prepared, not running, until the source is asked`);
  }
}
