import { EventLogFormatError } from './eventLogFormatError.js';
import { struct, u64, type LeCodec } from './leCodec.js';

/** UEFI_PLATFORM_FIRMWARE_BLOB (EV_EFI_PLATFORM_FIRMWARE_BLOB, EV_POST_CODE): where a measured firmware volume lies in memory. */
export const UEFI_PLATFORM_FIRMWARE_BLOB = struct('UEFI_PLATFORM_FIRMWARE_BLOB', { blobBase: u64, blobLength: u64 });

/** UEFI_PLATFORM_FIRMWARE_BLOB2 (EV_EFI_PLATFORM_FIRMWARE_BLOB2): the same with a description. */
export interface UefiPlatformFirmwareBlob2 {
  blobDescription: string;
  blobBase: bigint;
  blobLength: bigint;
}
export const UEFI_PLATFORM_FIRMWARE_BLOB2: LeCodec<UefiPlatformFirmwareBlob2> = {
  name: 'UEFI_PLATFORM_FIRMWARE_BLOB2',
  read(r) {
    const blobDescription = r.bytes(r.u8(), 'BlobDescription').toString('latin1');
    return { blobDescription, blobBase: r.u64(), blobLength: r.u64() };
  },
  write(w, v) {
    const d = Buffer.from(v.blobDescription, 'latin1');
    if (d.length > 255) throw new EventLogFormatError('UEFI_PLATFORM_FIRMWARE_BLOB2: description longer than 255 bytes');
    w.u8(d.length).bytes(d).u64(v.blobBase).u64(v.blobLength);
  },
};
