import type { ManufacturerCa } from '@vtpm/attest';
import { BOOT_COMPONENT_PCR, Host, exampleBootChain, type BootChain, type BootComponent, type Sha256Pcrs } from '@vtpm/hypervisor';
import { VmHost } from '@vtpm/migration';

/** A host of the story: its migration view (TPM, event log, VMs), what it booted and its PCRs after boot. */
export interface DemoHost {
  name: string;
  vmHost: VmHost;
  /** The boot component replaced by an unapproved one, if any. */
  tampered?: BootComponent;
  pcrs: Sha256Pcrs;
}

/** The approved boot chain every good host runs. */
export const APPROVED_CHAIN_VERSION = '1.0';

/** The approved chain with one component swapped for other bytes: the PCR of that component changes, nothing else. */
export function tamperedBootChain(component: BootComponent): BootChain {
  return { ...exampleBootChain(APPROVED_CHAIN_VERSION), [component]: Buffer.from(`an unapproved ${component}, patched by someone`) };
}

/** A host TPM manufactured with `ca`'s EK certificate, then a measured boot of the approved chain or a tampered one. */
export async function bootDemoHost(name: string, ca: ManufacturerCa, tampered?: BootComponent): Promise<DemoHost> {
  const host = await Host.create({ ca, seed: Buffer.from(`vtpm migration demo host ${name}`) });
  await host.boot(tampered ? tamperedBootChain(tampered) : exampleBootChain(APPROVED_CHAIN_VERSION));
  return { name, vmHost: new VmHost(host, name), tampered, pcrs: await host.measuredBootPcrs() };
}

/** `PCR 9 (hypervisorKernel)`: a PCR with the boot component measured into it. */
export function describePcr(pcr: number): string {
  const component = Object.entries(BOOT_COMPONENT_PCR).find(([, p]) => p === pcr)?.[0];
  return component ? `PCR ${pcr} (${component})` : `PCR ${pcr}`;
}
