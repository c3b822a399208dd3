import type { Host, RunningVm } from '@vtpm/hypervisor';

/**
 * A hypervisor host as migration sees it: its measured Host (TPM, event log) and the VMs running
 * on it. `acceptedEpochs` is the highest migration epoch this host accepted per VM: a stream with
 * an epoch not above it is a replay of an older migration.
 */
export class VmHost {
  readonly vms = new Map<string, RunningVm>();
  readonly acceptedEpochs = new Map<string, bigint>();

  constructor(readonly host: Host, readonly name = 'host') {}

  add(vm: RunningVm): void {
    this.vms.set(vm.vmId, vm);
  }

  vm(vmId: string): RunningVm {
    const vm = this.vms.get(vmId);
    if (!vm) throw new Error(`no VM ${vmId} runs on ${this.name}`);
    return vm;
  }
}
