import {
  devicePath, EFI_LOAD_OPTION, EFI_SIGNATURE_DATA, encodeLe, EV, filePathNode, gptPartitionNode, LOAD_OPTION_ACTIVE, pciNode, pciRootNode,
  ucs2, UEFI_GUID, UEFI_IMAGE_LOAD_EVENT, UEFI_PLATFORM_FIRMWARE_BLOB, UEFI_VARIABLE_DATA,
} from '@vtpm/attest';
import { BOOT_COMPONENTS as C } from './bootComponents.js';
import { BOOT_LOADER_DB_ENTRY, SECURE_BOOT_VARIABLES } from './secureBootVariables.js';

/** One measurement a boot stage makes: what goes into the log, and what is hashed into the PCR. */
export interface BootMeasurement {
  stage: string;
  pcrIndex: number;
  eventType: number;
  eventData: Buffer;
  /** The measured bytes (a firmware volume, an image); the event data itself when absent. */
  measured?: Buffer;
}

const ascii = (s: string) => Buffer.from(s, 'latin1');
const asciiz = (s: string) => Buffer.from(`${s}\0`, 'latin1');
const variable = (vendor: string, name: string, value: Buffer) => encodeLe(UEFI_VARIABLE_DATA, { variableName: vendor, unicodeName: name, variableData: value });

const bootEntryPath = devicePath(
  pciRootNode(0),
  pciNode(0x1, 0x1),
  gptPartitionNode(C.espPartition.number, C.espPartition.startLba, C.espPartition.sizeLba, C.espPartition.guid),
  filePathNode(C.bootLoader.path),
);

/**
 * A UEFI Secure Boot of Linux via GRUB, in the order a real platform measures it (compare any
 * /sys/kernel/security/tpm0/binary_bios_measurements):
 *   PCR 0 firmware code, PCR 1 firmware configuration (boot variables), PCR 7 Secure Boot policy,
 *   separators closing PCRs 0-7 before the OS loader runs, PCR 4 the boot loader, PCR 7 the db
 *   entry that authorized it, PCR 9 the files GRUB loads, PCR 8 the commands and kernel command
 *   line GRUB runs, PCR 5 ExitBootServices.
 */
export function measuredBootSequence(): BootMeasurement[] {
  const kernelCmdline = `${C.kernel.path} ${C.kernelArgs}`;
  const bootOption = encodeLe(EFI_LOAD_OPTION, { attributes: LOAD_OPTION_ACTIVE, description: 'debian', filePathList: bootEntryPath, optionalData: Buffer.alloc(0) });
  return [
    // Static root of trust and platform firmware.
    { stage: 'CRTM version', pcrIndex: 0, eventType: EV.S_CRTM_VERSION, eventData: ucs2(C.firmwareVersion) },
    { stage: 'PEI firmware (POST code)', pcrIndex: 0, eventType: EV.POST_CODE, eventData: ascii('POST CODE'), measured: C.postCode },
    {
      stage: 'DXE firmware volume',
      pcrIndex: 0,
      eventType: EV.EFI_PLATFORM_FIRMWARE_BLOB,
      eventData: encodeLe(UEFI_PLATFORM_FIRMWARE_BLOB, { blobBase: C.dxeVolume.base, blobLength: BigInt(C.dxeVolume.bytes.length) }),
      measured: C.dxeVolume.bytes,
    },
    // Secure Boot policy: the variables themselves are the measured data.
    ...SECURE_BOOT_VARIABLES.map((v) => ({
      stage: `Secure Boot variable ${v.name}`,
      pcrIndex: 7,
      eventType: EV.EFI_VARIABLE_DRIVER_CONFIG,
      eventData: variable(v.vendor, v.name, v.value),
    })),
    // Boot configuration: EDK2 hashes only the variable's value for EV_EFI_VARIABLE_BOOT.
    { stage: 'BootOrder', pcrIndex: 1, eventType: EV.EFI_VARIABLE_BOOT, eventData: variable(UEFI_GUID.globalVariable, 'BootOrder', Buffer.of(1, 0)), measured: Buffer.of(1, 0) },
    { stage: 'Boot0001 (debian)', pcrIndex: 1, eventType: EV.EFI_VARIABLE_BOOT, eventData: variable(UEFI_GUID.globalVariable, 'Boot0001', bootOption), measured: bootOption },
    // Ready to boot: the boot manager announces the OS loader, then closes the pre-OS PCRs.
    { stage: 'boot manager action', pcrIndex: 4, eventType: EV.EFI_ACTION, eventData: ascii('Calling EFI Application from Boot Option') },
    ...[0, 1, 2, 3, 4, 5, 6, 7].map((pcrIndex) => ({ stage: `separator PCR ${pcrIndex}`, pcrIndex, eventType: EV.SEPARATOR, eventData: Buffer.alloc(4) })),
    // The OS loader: verified against db (PCR 7), then measured (PCR 4).
    {
      stage: 'db entry authorizing GRUB',
      pcrIndex: 7,
      eventType: EV.EFI_VARIABLE_AUTHORITY,
      eventData: variable(UEFI_GUID.imageSecurityDatabase, 'db', encodeLe(EFI_SIGNATURE_DATA, BOOT_LOADER_DB_ENTRY.signatures[0]!)),
    },
    {
      stage: `boot loader ${C.bootLoader.path}`,
      pcrIndex: 4,
      eventType: EV.EFI_BOOT_SERVICES_APPLICATION,
      eventData: encodeLe(UEFI_IMAGE_LOAD_EVENT, {
        imageLocationInMemory: C.bootLoader.loadAddress,
        imageLengthInMemory: BigInt(C.bootLoader.bytes.length),
        imageLinkTimeAddress: 0n,
        devicePath: bootEntryPath,
      }),
      measured: C.bootLoader.bytes,
    },
    // GRUB: commands and the kernel command line into PCR 8 (digest of the text after the prefix), files into PCR 9.
    { stage: 'GRUB command', pcrIndex: 8, eventType: EV.IPL, eventData: asciiz(`grub_cmd: linux ${kernelCmdline}`), measured: ascii(`linux ${kernelCmdline}`) },
    { stage: `kernel ${C.kernel.path}`, pcrIndex: 9, eventType: EV.IPL, eventData: asciiz(C.kernel.path), measured: C.kernel.bytes },
    { stage: 'kernel command line', pcrIndex: 8, eventType: EV.IPL, eventData: asciiz(`kernel_cmdline: ${kernelCmdline}`), measured: ascii(kernelCmdline) },
    { stage: 'GRUB command', pcrIndex: 8, eventType: EV.IPL, eventData: asciiz(`grub_cmd: initrd ${C.initrd.path}`), measured: ascii(`initrd ${C.initrd.path}`) },
    { stage: `initrd ${C.initrd.path}`, pcrIndex: 9, eventType: EV.IPL, eventData: asciiz(C.initrd.path), measured: C.initrd.bytes },
    // The kernel's EFI stub leaves boot services.
    { stage: 'ExitBootServices', pcrIndex: 5, eventType: EV.EFI_ACTION, eventData: ascii('Exit Boot Services Invocation') },
    { stage: 'ExitBootServices', pcrIndex: 5, eventType: EV.EFI_ACTION, eventData: ascii('Exit Boot Services Returned with Success') },
  ];
}
