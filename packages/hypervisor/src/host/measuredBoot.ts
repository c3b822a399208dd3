import {
  EV, EventLogWriter, UEFI_IMAGE_LOAD_EVENT, UEFI_PLATFORM_FIRMWARE_BLOB, UEFI_VARIABLE_DATA, devicePath, encodeLe, filePathNode, type TcgPcrEvent2,
} from '@vtpm/attest';
import { PCR_Extend, type TpmClient } from '@vtpm/tpm';
import { BOOT_COMPONENT_PCR, type BootChain } from './bootChain.js';

/** Vendor GUID of the security-policy variable (a vtpm-private namespace, like a vendor's own GUID). */
export const VTPM_POLICY_VARIABLE_GUID = '6c6f0f2e-7f5e-4b2a-9c1d-7674706d0001';
export const VTPM_POLICY_VARIABLE_NAME = 'VtpmSecurityPolicy';

const ascii = (s: string) => Buffer.from(`${s}\0`, 'latin1');

/**
 * Measures `chain` into the TPM as platform firmware and the boot loader do: each event is hashed
 * into every bank of the log, appended, and exactly those digests are extended (PCR_Extend), so the
 * log replays to the PCRs. Returns the crypto-agile log (binary_bios_measurements layout).
 */
export async function measureBootChain(client: TpmClient, chain: BootChain): Promise<Buffer> {
  const log = new EventLogWriter({ format: 'crypto-agile' });
  const extend = async (event: TcgPcrEvent2) => {
    await client.run(PCR_Extend, {
      handles: { pcrHandle: event.pcrIndex }, auth: [{ password: '' }],
      params: { digests: event.digests.map((d) => ({ hashAlg: d.algorithmId, digest: Buffer.from(d.digest) })) },
    });
  };
  // Firmware: the SEC/PEI core measures the firmware volume (PCR 0).
  await extend(log.measure(BOOT_COMPONENT_PCR.firmware, EV.EFI_PLATFORM_FIRMWARE_BLOB,
    encodeLe(UEFI_PLATFORM_FIRMWARE_BLOB, { blobBase: 0xffc00000n, blobLength: BigInt(chain.firmware.length) }), chain.firmware));
  // Security policy: measured like SecureBoot/PK/db, the event data itself is what is hashed (PCR 7).
  await extend(log.measure(BOOT_COMPONENT_PCR.securityPolicy, EV.EFI_VARIABLE_DRIVER_CONFIG,
    encodeLe(UEFI_VARIABLE_DATA, { variableName: VTPM_POLICY_VARIABLE_GUID, unicodeName: VTPM_POLICY_VARIABLE_NAME, variableData: chain.securityPolicy })));
  await extend(log.measure(4, EV.EFI_ACTION, Buffer.from('Calling EFI Application from Boot Option')));
  // End of pre-boot: a separator in PCRs 0-7, as EDK2 writes at ReadyToBoot.
  for (let pcr = 0; pcr <= 7; pcr++) await extend(log.measure(pcr, EV.SEPARATOR, Buffer.alloc(4)));
  await extend(log.measure(BOOT_COMPONENT_PCR.bootLoader, EV.EFI_BOOT_SERVICES_APPLICATION, encodeLe(UEFI_IMAGE_LOAD_EVENT, {
    imageLocationInMemory: 0x7e000000n, imageLengthInMemory: BigInt(chain.bootLoader.length), imageLinkTimeAddress: 0n,
    devicePath: devicePath(filePathNode('\\EFI\\vtpm\\bootx64.efi')),
  }), chain.bootLoader));
  // The boot loader measures what it reads, GRUB style: configuration into PCR 8, files into PCR 9.
  // As GRUB: event data "name: text\0", digest over the text alone (tpm2_eventlog checks exactly that).
  const config = Buffer.concat([Buffer.from('hypervisor_config: '), chain.hypervisorConfig, Buffer.alloc(1)]);
  await extend(log.measure(BOOT_COMPONENT_PCR.hypervisorConfig, EV.IPL, config, chain.hypervisorConfig));
  await extend(log.measure(BOOT_COMPONENT_PCR.hypervisorKernel, EV.IPL, ascii('/boot/vmlinuz-hypervisor'), chain.hypervisorKernel));
  return log.toBuffer();
}
