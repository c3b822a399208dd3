import { createHash } from 'node:crypto';

/**
 * What a host boots, in order. Each component is measured into the PC Client PCR the platform
 * firmware profile (and GRUB, for what a boot loader measures) assigns to it, so changing one
 * changes exactly its PCR:
 *
 * | component           | PCR | event |
 * |---------------------|-----|-------|
 * | firmware            | 0   | EV_EFI_PLATFORM_FIRMWARE_BLOB (the code of the platform firmware) |
 * | securityPolicy      | 7   | EV_EFI_VARIABLE_DRIVER_CONFIG (a Secure Boot style policy variable) |
 * | bootLoader          | 4   | EV_EFI_BOOT_SERVICES_APPLICATION (the boot manager code) |
 * | hypervisorConfig    | 8   | EV_IPL (the boot loader measures command line and configuration) |
 * | hypervisorKernel    | 9   | EV_IPL (the boot loader measures the files it loads) |
 */
export interface BootChain {
  firmware: Buffer;
  bootLoader: Buffer;
  hypervisorKernel: Buffer;
  hypervisorConfig: Buffer;
  securityPolicy: Buffer;
}

export type BootComponent = keyof BootChain;

export const BOOT_COMPONENT_PCR: Readonly<Record<BootComponent, number>> = {
  firmware: 0,
  securityPolicy: 7,
  bootLoader: 4,
  hypervisorConfig: 8,
  hypervisorKernel: 9,
};

/** The PCRs a VM key is sealed to: every PCR a boot component reaches, ascending. */
export const MEASURED_BOOT_PCRS: readonly number[] = [...new Set(Object.values(BOOT_COMPONENT_PCR))].sort((a, b) => a - b);

/** A reproducible stand-in chain for demos and tests; `version` changes every component. */
export function exampleBootChain(version = '1.0'): BootChain {
  const image = (what: string) => createHash('sha512').update(`${what} ${version}`).digest().toString('hex').repeat(64);
  return {
    firmware: Buffer.from(image('vtpm example firmware')),
    bootLoader: Buffer.from(image('vtpm example boot loader')),
    hypervisorKernel: Buffer.from(image('vtpm example hypervisor kernel')),
    hypervisorConfig: Buffer.from(`iommu=on mitigations=auto vtpm.memory=encrypted version=${version}`),
    securityPolicy: Buffer.from(`allow-signed-by: vtpm-example-operator; version=${version}`),
  };
}
