/**
 * UEFI structures that measured-boot events carry as event data (PFP 10.2 and the UEFI
 * specification), declared once as codecs. UINTN fields are UINT64 (Spec ID uintnSize = 2).
 */
import { decode, EventLogFormatError, struct, u64, type LeCodec } from './littleEndian.js';
import { EFI_GUID } from './uefiGuid.js';

/** CHAR16 text (UCS-2, little-endian), with the terminating NUL when `nul`. */
export function ucs2(text: string, nul = true): Buffer {
  return Buffer.from(nul ? `${text}\0` : text, 'utf16le');
}

/** UEFI_VARIABLE_DATA: a variable measured into PCR 1 or 7 (EV_EFI_VARIABLE_*). */
export interface UefiVariableData {
  variableName: string;
  unicodeName: string;
  variableData: Buffer;
}
export const UEFI_VARIABLE_DATA: LeCodec<UefiVariableData> = {
  name: 'UEFI_VARIABLE_DATA',
  read(r) {
    const variableName = EFI_GUID.read(r);
    const nameLength = r.u64();
    const dataLength = r.u64();
    if (nameLength > BigInt(r.remaining) || dataLength > BigInt(r.remaining)) throw new EventLogFormatError('UEFI_VARIABLE_DATA: lengths exceed the event', r.offset);
    const unicodeName = r.bytes(Number(nameLength) * 2, 'UnicodeName').toString('utf16le');
    return { variableName, unicodeName, variableData: r.bytes(Number(dataLength), 'VariableData') };
  },
  write(w, v) {
    EFI_GUID.write(w, v.variableName);
    w.u64(v.unicodeName.length).u64(v.variableData.length).bytes(ucs2(v.unicodeName, false)).bytes(v.variableData);
  },
};

/** UEFI_PLATFORM_FIRMWARE_BLOB: where a measured firmware volume lies in memory. */
export const UEFI_PLATFORM_FIRMWARE_BLOB = struct('UEFI_PLATFORM_FIRMWARE_BLOB', { blobBase: u64, blobLength: u64 });

/** UEFI_IMAGE_LOAD_EVENT: a PE image loaded by the firmware (EV_EFI_BOOT_SERVICES_APPLICATION ...). */
export interface UefiImageLoadEvent {
  imageLocationInMemory: bigint;
  imageLengthInMemory: bigint;
  imageLinkTimeAddress: bigint;
  devicePath: Buffer;
}
export const UEFI_IMAGE_LOAD_EVENT: LeCodec<UefiImageLoadEvent> = {
  name: 'UEFI_IMAGE_LOAD_EVENT',
  read(r) {
    const [imageLocationInMemory, imageLengthInMemory, imageLinkTimeAddress, length] = [r.u64(), r.u64(), r.u64(), r.u64()];
    if (length > BigInt(r.remaining)) throw new EventLogFormatError('UEFI_IMAGE_LOAD_EVENT: device path exceeds the event', r.offset);
    return { imageLocationInMemory, imageLengthInMemory, imageLinkTimeAddress, devicePath: r.bytes(Number(length), 'DevicePath') };
  },
  write(w, v) {
    w.u64(v.imageLocationInMemory).u64(v.imageLengthInMemory).u64(v.imageLinkTimeAddress).u64(v.devicePath.length).bytes(v.devicePath);
  },
};

/** EFI_SIGNATURE_DATA: one entry of a signature list (an image hash, a key, a certificate) and who enrolled it. */
export interface EfiSignatureData {
  owner: string;
  data: Buffer;
}
/** Reads to the end of its buffer: the enclosing list's SignatureSize bounds it. */
export const EFI_SIGNATURE_DATA: LeCodec<EfiSignatureData> = {
  name: 'EFI_SIGNATURE_DATA',
  read: (r) => ({ owner: EFI_GUID.read(r), data: r.bytes(r.remaining, 'SignatureData') }),
  write(w, v) {
    EFI_GUID.write(w, v.owner);
    w.bytes(v.data);
  },
};

/** EFI_SIGNATURE_LIST: one list of a signature database (PK, KEK, db, dbx); all entries of one size. */
export interface EfiSignatureList {
  signatureType: string;
  signatureHeader: Buffer;
  signatures: EfiSignatureData[];
}
export const EFI_SIGNATURE_LIST: LeCodec<EfiSignatureList> = {
  name: 'EFI_SIGNATURE_LIST',
  read(r) {
    const start = r.offset;
    const signatureType = EFI_GUID.read(r);
    const [listSize, headerSize, signatureSize] = [r.u32(), r.u32(), r.u32()];
    const signatureHeader = r.bytes(headerSize, 'SignatureHeader');
    const bodySize = listSize - (r.offset - start);
    if (signatureSize < 16 || bodySize < 0 || bodySize % signatureSize !== 0) throw new EventLogFormatError('EFI_SIGNATURE_LIST: inconsistent sizes', start);
    const signatures = Array.from({ length: bodySize / signatureSize }, () => decode(EFI_SIGNATURE_DATA, r.bytes(signatureSize, 'EFI_SIGNATURE_DATA')));
    return { signatureType, signatureHeader, signatures };
  },
  write(w, v) {
    const signatureSize = 16 + (v.signatures[0]?.data.length ?? 0);
    if (v.signatures.some((s) => s.data.length + 16 !== signatureSize)) throw new EventLogFormatError('EFI_SIGNATURE_LIST: entries must have one size');
    EFI_GUID.write(w, v.signatureType);
    w.u32(28 + v.signatureHeader.length + signatureSize * v.signatures.length).u32(v.signatureHeader.length).u32(signatureSize).bytes(v.signatureHeader);
    for (const s of v.signatures) EFI_SIGNATURE_DATA.write(w, s);
  },
};

/** A signature database variable's value: signature lists back to back. */
export const EFI_SIGNATURE_DATABASE: LeCodec<EfiSignatureList[]> = {
  name: 'EFI_SIGNATURE_DATABASE',
  read(r) {
    const lists: EfiSignatureList[] = [];
    while (r.remaining > 0) lists.push(EFI_SIGNATURE_LIST.read(r));
    return lists;
  },
  write: (w, lists) => lists.forEach((l) => EFI_SIGNATURE_LIST.write(w, l)),
};

/** EFI_LOAD_OPTION: the value of a Boot#### variable. */
export interface EfiLoadOption {
  attributes: number;
  description: string;
  filePathList: Buffer;
  optionalData: Buffer;
}
export const LOAD_OPTION_ACTIVE = 0x1;
export const EFI_LOAD_OPTION: LeCodec<EfiLoadOption> = {
  name: 'EFI_LOAD_OPTION',
  read(r) {
    const attributes = r.u32();
    const filePathListLength = r.u16();
    let description = '';
    for (let c = r.u16(); c !== 0; c = r.u16()) description += String.fromCharCode(c);
    const filePathList = r.bytes(filePathListLength, 'FilePathList');
    return { attributes, description, filePathList, optionalData: r.bytes(r.remaining, 'OptionalData') };
  },
  write(w, v) {
    w.u32(v.attributes).u16(v.filePathList.length).bytes(ucs2(v.description)).bytes(v.filePathList).bytes(v.optionalData);
  },
};
