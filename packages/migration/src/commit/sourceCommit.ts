import { basename } from 'node:path';
import type { RunningVm } from '@vtpm/hypervisor';
import { advanceMigrationEpoch } from '../epoch/migrationEpoch.js';
import type { PausableGuest } from '../workload/dirtyingWorkload.js';
import type { MigrationAttempt, OutgoingMigration, VmHost } from '../vmHost.js';
import { newResolutionKey } from './resolutionKey.js';

/**
 * The source's side of the commit protocol (the source coordinates; presumed abort: until its
 * commit decision is durable, any failure means abort and the VM runs on here).
 */

/**
 * Starts an attempt: one per VM at a time; the vTPM's epoch counter goes up and the VM's record
 * is checkpointed with it at once, so a restarted source never offers the same epoch twice.
 */
export async function beginOutgoing(source: VmHost, vm: RunningVm): Promise<MigrationAttempt> {
  const { vmId } = vm;
  if (source.attempts.has(vmId)) throw new Error(`${vmId} is already migrating from ${source.name}: wait for that migration to end`);
  const attempt: MigrationAttempt = { vmId, epoch: 0n, resolutionKey: newResolutionKey(), abortedByQuestion: false };
  source.attempts.set(vmId, attempt);
  try {
    attempt.epoch = await advanceMigrationEpoch(vm.vtpmClient());
    await source.exclusive(vmId, () => source.persist(vm, 'running'));
    return attempt;
  } catch (e) {
    endAttempt(source, attempt);
    throw e;
  }
}

/** The attempt is over (committed, aborted or in doubt): the VM may migrate again once it runs here. */
export function endAttempt(source: VmHost, attempt: MigrationAttempt): void {
  if (source.attempts.get(attempt.vmId) === attempt) source.attempts.delete(attempt.vmId);
}

/**
 * The commit decision, made durable BEFORE `commit` is sent: the VM record is checkpointed as
 * paused-outgoing with the epoch, the destination and the resolution key. From here the VM
 * belongs to the destination; this host keeps the paused copy only until the destination confirms.
 * Refused if a question from the destination already settled the attempt as aborted.
 */
export function decideCommit(source: VmHost, attempt: MigrationAttempt, destination: string, guest?: PausableGuest): Promise<OutgoingMigration> {
  const { vmId, epoch, resolutionKey } = attempt;
  return source.exclusive(vmId, async () => {
    if (attempt.abortedByQuestion) throw new Error(`the destination asked about epoch ${epoch} of ${vmId} before the decision, which settled it as aborted`);
    const vm = source.vm(vmId);
    await source.persist(vm, 'paused-outgoing', { epoch, peer: destination, resolutionKey });
    const outgoing: OutgoingMigration = { vm, epoch, destination, resolutionKey, ...(guest ? { guest } : {}), inDoubt: false };
    source.vms.delete(vmId);
    source.outgoing.set(vmId, outgoing);
    endAttempt(source, attempt);
    return outgoing;
  });
}

/** The destination confirmed: forget the VM here (record first, then memory, keys and file scrubbed). */
export function completeOutgoing(source: VmHost, vmId: string): Promise<OutgoingMigration> {
  return source.exclusive(vmId, async () => {
    const outgoing = source.outgoing.get(vmId);
    if (!outgoing) throw new Error(`${vmId} is not waiting for a destination's confirmation on ${source.name}`);
    const memoryFile = outgoing.vm.memory.backingFilePath;
    await source.journal.removeVm(vmId, memoryFile ? basename(memoryFile) : undefined);
    outgoing.vm.stop(); // scrubs pages, vCPU save areas and subkeys
    source.outgoing.delete(vmId);
    return outgoing;
  });
}

/** The destination never prepared durably ('unknown'): the decision cannot have taken effect there, so the VM runs on here. */
export function resumeOutgoing(source: VmHost, vmId: string): Promise<OutgoingMigration> {
  return source.exclusive(vmId, async () => {
    const outgoing = source.outgoing.get(vmId);
    if (!outgoing) throw new Error(`${vmId} is not waiting for a destination's confirmation on ${source.name}`);
    await source.persist(outgoing.vm, 'running');
    source.outgoing.delete(vmId);
    source.vms.set(vmId, outgoing.vm);
    outgoing.guest?.resume();
    return outgoing;
  });
}
