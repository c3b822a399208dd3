import type { LeCodec } from './leCodec.js';
import { EFI_GUID } from './uefiGuid.js';
import { ucs2 } from './ucs2.js';

/** UEFI_VARIABLE_DATA (PFP 10.2.6): a variable measured by EV_EFI_VARIABLE_DRIVER_CONFIG, _BOOT, _BOOT2, _AUTHORITY. */
export interface UefiVariableData {
  /** The vendor GUID. */
  variableName: string;
  unicodeName: string;
  variableData: Buffer;
}

export const UEFI_VARIABLE_DATA: LeCodec<UefiVariableData> = {
  name: 'UEFI_VARIABLE_DATA',
  read(r) {
    const variableName = EFI_GUID.read(r);
    const nameLength = r.u64Length('UnicodeNameLength', 2);
    const dataLength = r.u64Length('VariableDataLength');
    const unicodeName = r.bytes(nameLength * 2, 'UnicodeName').toString('utf16le');
    return { variableName, unicodeName, variableData: r.bytes(dataLength, 'VariableData') };
  },
  write(w, v) {
    EFI_GUID.write(w, v.variableName);
    w.u64(v.unicodeName.length).u64(v.variableData.length).bytes(ucs2(v.unicodeName, false)).bytes(v.variableData);
  },
};
