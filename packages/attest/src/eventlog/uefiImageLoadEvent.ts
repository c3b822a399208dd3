import type { LeCodec } from './leCodec.js';
import { readUintn, readUintnLength, writeUintn, type UintnBytes } from './uintn.js';

/** UEFI_IMAGE_LOAD_EVENT (PFP 10.2.3): a PE image the firmware loaded (EV_EFI_BOOT_SERVICES_APPLICATION, _DRIVER, EV_EFI_RUNTIME_SERVICES_DRIVER). */
export interface UefiImageLoadEvent {
  imageLocationInMemory: bigint;
  imageLengthInMemory: bigint;
  imageLinkTimeAddress: bigint;
  /** EFI_DEVICE_PATH_PROTOCOL bytes: where the image came from. */
  devicePath: Buffer;
}

/** The structure for firmware whose UINTN has `uintn` bytes (the location is a UINT64 either way). */
export function uefiImageLoadEventCodec(uintn: UintnBytes): LeCodec<UefiImageLoadEvent> {
  return {
    name: 'UEFI_IMAGE_LOAD_EVENT',
    read(r) {
      const imageLocationInMemory = r.u64();
      const imageLengthInMemory = readUintn(r, uintn);
      const imageLinkTimeAddress = readUintn(r, uintn);
      const length = readUintnLength(r, uintn, 'LengthOfDevicePath');
      return { imageLocationInMemory, imageLengthInMemory, imageLinkTimeAddress, devicePath: r.bytes(length, 'DevicePath') };
    },
    write(w, v) {
      w.u64(v.imageLocationInMemory);
      writeUintn(w, uintn, v.imageLengthInMemory);
      writeUintn(w, uintn, v.imageLinkTimeAddress);
      writeUintn(w, uintn, v.devicePath.length);
      w.bytes(v.devicePath);
    },
  };
}

/** UEFI_IMAGE_LOAD_EVENT of 64-bit firmware. */
export const UEFI_IMAGE_LOAD_EVENT = uefiImageLoadEventCodec(8);
