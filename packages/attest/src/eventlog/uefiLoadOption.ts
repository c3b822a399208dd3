import type { LeCodec } from './leCodec.js';
import { ucs2 } from './ucs2.js';

/** EFI_LOAD_OPTION: the value of a Boot#### variable (UEFI 3.1.3). */
export interface EfiLoadOption {
  attributes: number;
  description: string;
  /** EFI_DEVICE_PATH_PROTOCOL bytes: what to boot. */
  filePathList: Buffer;
  optionalData: Buffer;
}

export const LOAD_OPTION_ACTIVE = 0x1;

export const EFI_LOAD_OPTION: LeCodec<EfiLoadOption> = {
  name: 'EFI_LOAD_OPTION',
  read(r) {
    const attributes = r.u32();
    const filePathListLength = r.u16();
    const descriptionAt = r.offset;
    while (r.u16() !== 0); // to the NUL; each read consumes two bytes or throws at the end
    const description = r.buf.subarray(descriptionAt, r.offset - 2).toString('utf16le');
    const filePathList = r.bytes(filePathListLength, 'FilePathList');
    return { attributes, description, filePathList, optionalData: r.bytes(r.remaining, 'OptionalData') };
  },
  write(w, v) {
    w.u32(v.attributes).u16(v.filePathList.length).bytes(ucs2(v.description)).bytes(v.filePathList).bytes(v.optionalData);
  },
};
