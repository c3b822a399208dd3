import { createHash } from 'node:crypto';

/**
 * Stand-ins for what a real platform measures: firmware volumes, a boot loader, a kernel. Their
 * bytes are made up but deterministic (expanded from a label), so every run yields the same PCRs.
 */
export function madeUpBytes(label: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let counter = 0, at = 0; at < size; counter++) {
    at += createHash('sha512').update(`${label}#${counter}`).digest().copy(out, at);
  }
  return out;
}

export const BOOT_COMPONENTS = {
  firmwareVersion: 'vtpm demo firmware 1.00',
  /** Code run during power-on self test (PEI): measured as EV_POST_CODE. */
  postCode: madeUpBytes('PEI firmware volume', 96 * 1024),
  /** The DXE firmware volume: measured as EV_EFI_PLATFORM_FIRMWARE_BLOB at its flash address. */
  dxeVolume: { base: 0xffc84000n, bytes: madeUpBytes('DXE firmware volume', 192 * 1024) },
  bootLoader: { path: '\\EFI\\debian\\grubx64.efi', bytes: madeUpBytes('grubx64.efi', 64 * 1024), loadAddress: 0x7e3a1018n },
  kernel: { path: '/boot/vmlinuz-6.1.0-18-amd64', bytes: madeUpBytes('vmlinuz-6.1.0-18-amd64', 512 * 1024) },
  initrd: { path: '/boot/initrd.img-6.1.0-18-amd64', bytes: madeUpBytes('initrd.img-6.1.0-18-amd64', 256 * 1024) },
  kernelArgs: 'root=UUID=4f1c5a52-93e1-4b8e-b5a6-0c3d1f2e7a90 ro quiet',
  /** The EFI system partition the boot entry points into. */
  espPartition: { number: 1, startLba: 0x800n, sizeLba: 0x100000n, guid: '2c9f0e71-6a3b-4d5e-9f80-1a2b3c4d5e6f' },
} as const;
