import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import { RunningVm, loadHost, removeLeftoverVmFiles, type VmEntry } from '@vtpm/hypervisor';
import { VmHost } from '../vmHost.js';
import { HostDirectoryJournal } from './hostDirectoryJournal.js';

export interface RestoredVmHost {
  vmHost: VmHost;
  /** VMs whose entry could not be brought back (kept on disk as they are), with why. */
  problems: Map<string, string>;
}

/**
 * A host as its directory left it, after an orderly stop or a crash: running VMs resume from
 * their checkpoint and memory file; paused-outgoing and prepared-incoming VMs come back paused,
 * in doubt, for resolveInDoubt to settle with their peer; stopped VMs stay stopped. Files of
 * interrupted writes, and vTPM rollback anchors no record names, are swept first. The host must
 * have been initialised and booted.
 */
export async function restoreVmHost(dir: string, name = basename(dir)): Promise<RestoredVmHost> {
  const host = await loadHost(dir);
  if (!host.eventLog) throw new Error(`the host in ${dir} was never booted: run \`vtpm host boot --host-dir ${dir}\` first`);
  const journal = new HostDirectoryJournal(dir, host);
  const vmHost = new VmHost(host, name, { journal });
  for (const [vmId, accepted] of await journal.acceptedEpochs()) {
    vmHost.acceptedEpochs.set(vmId, accepted.epoch);
    if (accepted.resolutionKey) vmHost.acceptedResolutionKeys.set(vmId, accepted.resolutionKey);
  }
  await removeLeftoverVmFiles(dir);
  await journal.entries.releaseUnnamedAnchors();
  const problems = new Map<string, string>();
  for (const entry of await journal.loadVms()) {
    try {
      await restoreVm(vmHost, journal, entry);
    } catch (e) {
      problems.set(entry.record.config.vmId, (e as Error).message);
    }
  }
  return { vmHost, problems };
}

async function restoreVm(vmHost: VmHost, journal: HostDirectoryJournal, entry: VmEntry): Promise<void> {
  const { vmId } = entry.record.config;
  if (entry.state === 'stopped') return void vmHost.stopped.set(vmId, entry.record.config);
  const path = entry.memoryFile ? journal.memoryFilePath(entry.memoryFile) : undefined;
  if (!path || !existsSync(path)) {
    if (entry.state === 'running') vmHost.stopped.set(vmId, entry.record.config); // powered off by the crash: its memory is gone, its vTPM is not
    throw new Error(`${vmId} is ${entry.state} but its memory file ${entry.memoryFile ?? '(none named)'} is missing: it cannot resume${entry.state === 'running' ? '; start it again' : ''}`);
  }
  const vm = await RunningVm.start(vmHost.host, entry.record, { backingFile: { path, resume: true } });
  const mark = entry.migration;
  if (entry.state === 'running') return vmHost.add(vm);
  if (!mark?.resolutionKey || (entry.state === 'paused-outgoing' && !mark.peer)) {
    vm.release();
    throw new Error(`${vmId} is ${entry.state} but its record lacks the migration's ${mark?.resolutionKey ? 'peer' : 'resolution key'}: settle it by hand`);
  }
  if (entry.state === 'paused-outgoing') {
    vmHost.outgoing.set(vmId, { vm, epoch: mark.epoch, destination: mark.peer!, resolutionKey: mark.resolutionKey, inDoubt: true });
  } else {
    vmHost.incoming.set(vmId, { vm, epoch: mark.epoch, ...(mark.peer ? { source: mark.peer } : {}), resolutionKey: mark.resolutionKey, inDoubt: true });
  }
}
