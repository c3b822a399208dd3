/**
 * A device path as text, in the notation of the UEFI specification (10.6, "Device Path to Text"):
 * PciRoot(0x0)/Pci(0x1,0x1)/HD(1,GPT,<guid>,0x800,0x64000)/\EFI\BOOT\BOOTX64.EFI
 * Nodes this does not know print generically as Path(type,subtype,hex). Malformed bytes never
 * throw: a summary is for people, and the path is not what the digest covers anyway.
 */
import { DEVICE_PATH_TYPE, END_ENTIRE, END_INSTANCE } from './devicePath.js';
import { LeReader } from './leReader.js';
import { EFI_GUID } from './uefiGuid.js';
import { fromUcs2 } from './ucs2.js';

export function devicePathToText(bytes: Buffer): string {
  const parts: string[] = [];
  let at = 0;
  while (at + 4 <= bytes.length) {
    const [type, subType, length] = [bytes[at]!, bytes[at + 1]!, bytes.readUInt16LE(at + 2)];
    if (length < 4 || at + length > bytes.length) {
      parts.push(`<malformed node at byte ${at}>`);
      return parts.join('/');
    }
    const data = bytes.subarray(at + 4, at + length);
    at += length;
    if (type === DEVICE_PATH_TYPE.END && subType === END_ENTIRE) break;
    if (type === DEVICE_PATH_TYPE.END && subType === END_INSTANCE) parts.push(',');
    else parts.push(nodeText(type, subType, data) ?? `Path(${type},${subType},${data.toString('hex')})`);
  }
  return parts.join('/').replace(/\/,\//g, ',');
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`;

/** The text of one node, or undefined when its type is unknown or its data too short for its type. */
function nodeText(type: number, subType: number, data: Buffer): string | undefined {
  const r = new LeReader(data);
  const need = (n: number) => data.length >= n;
  switch ((type << 8) | subType) {
    case 0x0101: // PCI
      return need(2) ? `Pci(${hex(data[1]!)},${hex(data[0]!)})` : undefined;
    case 0x0103: // memory mapped
      return need(20) ? `MemoryMapped(${r.u32()},${hex(r.u64())},${hex(r.u64())})` : undefined;
    case 0x0104:
      return vendor('VenHw', data);
    case 0x0105:
      return need(4) ? `Ctrl(${hex(r.u32())})` : undefined;
    case 0x0201: // ACPI _HID/_UID
      return need(8) ? acpiText(r.u32(), r.u32()) : undefined;
    case 0x0203:
      return need(4) ? `AcpiAdr(${hex(r.u32())})` : undefined;
    case 0x0301:
      return need(4) ? `Ata(${data[0]},${data[1]},${data.readUInt16LE(2)})` : undefined;
    case 0x0302:
      return need(4) ? `Scsi(${hex(r.u16())},${hex(r.u16())})` : undefined;
    case 0x0305:
      return need(2) ? `USB(${hex(data[0]!)},${hex(data[1]!)})` : undefined;
    case 0x030a:
      return vendor('VenMsg', data);
    case 0x030b:
      return need(33) ? `MAC(${data.subarray(0, 6).toString('hex')},${hex(data[32]!)})` : undefined;
    case 0x030c:
      return need(8) ? `IPv4(${[...data.subarray(4, 8)].join('.')})` : undefined;
    case 0x0312:
      return need(6) ? `Sata(${hex(r.u16())},${hex(r.u16())},${hex(r.u16())})` : undefined;
    case 0x0317:
      return need(12) ? `NVMe(${hex(r.u32())},${[...data.subarray(4, 12)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join('-')})` : undefined;
    case 0x0318:
      return `Uri(${data.toString('latin1')})`;
    case 0x0401:
      return need(38) ? hardDriveText(r, data) : undefined;
    case 0x0402:
      return need(20) ? `CDROM(${hex(r.u32())},${hex(r.u64())},${hex(r.u64())})` : undefined;
    case 0x0403:
      return vendor('VenMedia', data);
    case 0x0404:
      return fromUcs2(data);
    case 0x0405:
      return need(16) ? `Media(${EFI_GUID.read(r)})` : undefined;
    case 0x0406:
      return need(16) ? `FvFile(${EFI_GUID.read(r)})` : undefined;
    case 0x0407:
      return need(16) ? `Fv(${EFI_GUID.read(r)})` : undefined;
    case 0x0408:
      return need(20) ? (r.u32(), `Offset(${hex(r.u64())},${hex(r.u64())})`) : undefined;
    case 0x0501:
      return need(4) ? `BBS(${hex(r.u16())},${data.subarray(4).toString('latin1').replace(/\0.*$/s, '')},${hex(r.u16())})` : undefined;
    default:
      return undefined;
  }
}

function vendor(name: string, data: Buffer): string | undefined {
  if (data.length < 16) return undefined;
  const guid = EFI_GUID.read(new LeReader(data));
  return data.length > 16 ? `${name}(${guid},${data.subarray(16).toString('hex')})` : `${name}(${guid})`;
}

/** EISA-compressed PNP ids: PNP0A03 is a PCI root bridge, PNP0A08 a PCI Express one. */
function acpiText(hid: number, uid: number): string {
  if (hid === 0x0a0341d0) return `PciRoot(${hex(uid)})`;
  if (hid === 0x0a0841d0) return `PcieRoot(${hex(uid)})`;
  if ((hid & 0xffff) !== 0x41d0) return `Acpi(${hex(hid)},${hex(uid)})`;
  return `Acpi(PNP${(hid >>> 16).toString(16).toUpperCase().padStart(4, '0')},${hex(uid)})`;
}

function hardDriveText(r: LeReader, data: Buffer): string {
  const [partition, start, size] = [r.u32(), r.u64(), r.u64()];
  const signature = data.subarray(20, 36);
  const signatureType = data[37]!; // after MBRType
  const sig =
    signatureType === 2 ? `GPT,${EFI_GUID.read(new LeReader(signature))}` : signatureType === 1 ? `MBR,${hex(signature.readUInt32LE(0))}` : `${signatureType},0`;
  return `HD(${partition},${sig},${hex(start)},${hex(size)})`;
}
