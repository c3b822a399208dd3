import { parseEventLog } from '@vtpm/attest';
import type { ManufacturerCa } from '@vtpm/attest';
import { BOOT_COMPONENT_PCR, MEASURED_BOOT_PCRS, exampleBootChain, type BootChain, type BootComponent } from '../host/bootChain.js';
import { Host } from '../host/host.js';
import type { OperatorKey } from '../host/operatorKey.js';
import { pcrsToHex } from '../host/pcrValues.js';
import { LocalVmKeySource, type VmKeySource } from '../keys/vmKeySource.js';
import { snapshotToDisk } from '../admin/adminView.js';
import { RunningVm } from '../vm/runningVm.js';
import { createVmRecord, type VmConfig } from '../vm/vmRecord.js';
import { AnchoredVmEntries } from './anchoredVmEntries.js';
import { listVmIds, loadHost, loadVmRecord, saveHost } from './hostDirectory.js';

/**
 * The functions behind `vtpm host ...` and `vtpm vm ...` (the CLI parses flags and prints; see
 * docs/hypervisor.md). Each works on a host directory.
 */

/** `vtpm host init DIR [--ca CADIR] [--seed S]`: a manufactured host TPM with EK certificate. */
export async function hostInit(dir: string, options: { ca?: ManufacturerCa | string; seed?: Buffer } = {}): Promise<{ ekCertificates: number }> {
  const host = await Host.create(options);
  await host.shutdown();
  await saveHost(dir, host);
  return { ekCertificates: host.ekCertificates.length };
}

/** Boot components measured with other bytes than the chain's: a patched component, or an operator's "tampered host". */
export type BootComponentReplacements = Partial<Record<BootComponent, Buffer>>;

/** A replaced component and the PCR its measurement reaches (the only PCR it changes). */
export interface ReplacedBootComponent {
  component: BootComponent;
  pcr: number;
}

/**
 * `vtpm host boot DIR [--chain-version V] [--replace COMPONENT=FILE ...]`: power cycle and
 * measured boot of `chain` with the `replace`d components; writes the event log. A name that is
 * not a boot component is refused before anything is measured.
 */
export async function hostBoot(
  dir: string,
  chain: BootChain = exampleBootChain(),
  replace: BootComponentReplacements = {},
): Promise<{ eventLogBytes: number; pcrs: Record<string, string>; replaced: ReplacedBootComponent[] }> {
  const replaced = Object.keys(replace).map((name) => {
    if (!Object.hasOwn(BOOT_COMPONENT_PCR, name)) throw new Error(`'${name}' is not a boot component: give one of ${Object.keys(BOOT_COMPONENT_PCR).join(', ')}`);
    return { component: name as BootComponent, pcr: BOOT_COMPONENT_PCR[name as BootComponent] };
  });
  const host = await loadHost(dir);
  const log = await host.boot({ ...chain, ...replace });
  const pcrs = pcrsToHex(await host.measuredBootPcrs());
  await saveHost(dir, host);
  return { eventLogBytes: log.length, pcrs, replaced };
}

/** `vtpm host status DIR`: measured-boot PCRs, event count, VMs defined. */
export async function hostStatus(dir: string): Promise<{ booted: boolean; pcrs: Record<string, string>; sealedToPcrs: readonly number[]; events: number; vms: string[] }> {
  const host = await loadHost(dir);
  const booted = !!host.eventLog;
  const pcrs = booted ? pcrsToHex(await host.measuredBootPcrs()) : {};
  return { booted, pcrs, sealedToPcrs: MEASURED_BOOT_PCRS, events: host.eventLog ? parseEventLog(host.eventLog).events.length : 0, vms: await listVmIds(dir) };
}

/** `vtpm vm create DIR ID --pages N [--mode xts|gcm] [--operator-key PUB]`: key from outside, sealed here. */
export async function vmCreate(dir: string, config: VmConfig, options: { keySource?: VmKeySource; operator?: OperatorKey } = {}): Promise<{ vmId: string }> {
  const host = await loadHost(dir);
  const record = await createVmRecord(host, config, options.keySource ?? new LocalVmKeySource(), { operator: options.operator });
  await new AnchoredVmEntries(dir, host).save({ record, state: 'stopped' }); // host TPM (the new anchor) first, then the record
  return { vmId: record.config.vmId };
}

/** `vtpm vm start DIR ID`: unseals the VM key (fails naming changed PCRs); the VM runs in this process until vmStop. */
export async function vmStart(dir: string, vmId: string): Promise<RunningVm> {
  const host = await loadHost(dir);
  const vm = await RunningVm.start(host, await loadVmRecord(dir, vmId));
  await saveHost(dir, host);
  return vm;
}

/**
 * `vtpm vm stop`: saves the vTPM state encrypted and scrubs the VM's memory and keys; then the
 * VM's rollback anchor counts up to it, in the host TPM as on disk now (other commands may have
 * changed it since this VM started), so older copies of the record are refused.
 */
export async function vmStop(dir: string, vm: RunningVm): Promise<void> {
  const host = await loadHost(dir);
  await new AnchoredVmEntries(dir, host).save({ record: vm.stop(), state: 'stopped' });
}

/** `vtpm vm dump ID --out FILE`: the administrator's snapshot; ciphertext only. */
export async function vmDump(vm: RunningVm, outFile: string): Promise<{ bytes: number }> {
  return { bytes: await snapshotToDisk(vm, outFile) };
}
