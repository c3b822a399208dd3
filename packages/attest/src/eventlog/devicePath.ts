/**
 * EFI device paths (UEFI specification, 10.3): a sequence of nodes (type, subtype, UINT16 length
 * including the 4-byte header), ending with an end node. Builders for the nodes a boot entry uses.
 */
import { EventLogFormatError } from './eventLogFormatError.js';
import type { LeCodec } from './leCodec.js';
import { LeReader } from './leReader.js';
import { LeWriter } from './leWriter.js';
import { EFI_GUID } from './uefiGuid.js';
import { ucs2 } from './ucs2.js';

export interface DevicePathNode {
  type: number;
  subType: number;
  data: Buffer;
}

export const DEVICE_PATH_TYPE = { HARDWARE: 0x01, ACPI: 0x02, MESSAGING: 0x03, MEDIA: 0x04, BIOS_BOOT: 0x05, END: 0x7f } as const;
/** End of the whole path, and end of one instance of a multi-instance path. */
export const END_ENTIRE = 0xff;
export const END_INSTANCE = 0x01;

/** A whole device path: nodes up to the end-of-entire-path node (which the value leaves out; an end-of-instance node stays in). */
export const EFI_DEVICE_PATH: LeCodec<DevicePathNode[]> = {
  name: 'EFI_DEVICE_PATH_PROTOCOL',
  read(r) {
    const nodes: DevicePathNode[] = [];
    for (;;) {
      const at = r.offset;
      const [type, subType, length] = [r.u8(), r.u8(), r.u16()];
      if (length < 4) throw new EventLogFormatError('device path node shorter than its header', at);
      const data = r.bytes(length - 4, 'device path node');
      if (type === DEVICE_PATH_TYPE.END && subType === END_ENTIRE) return nodes;
      nodes.push({ type, subType, data });
    }
  },
  write(w, nodes) {
    for (const n of [...nodes, { type: DEVICE_PATH_TYPE.END, subType: END_ENTIRE, data: Buffer.alloc(0) }]) w.u8(n.type).u8(n.subType).u16(4 + n.data.length).bytes(n.data);
  },
};

export function devicePath(...nodes: DevicePathNode[]): Buffer {
  const w = new LeWriter();
  EFI_DEVICE_PATH.write(w, nodes);
  return w.finish();
}

export function parseDevicePath(buf: Buffer): DevicePathNode[] {
  return EFI_DEVICE_PATH.read(new LeReader(buf));
}

/** ACPI device path node for a PCI root bridge (_HID PNP0A03). */
export function pciRootNode(uid = 0): DevicePathNode {
  return { type: DEVICE_PATH_TYPE.ACPI, subType: 0x01, data: new LeWriter().u32(0x0a0341d0).u32(uid).finish() };
}

export function pciNode(device: number, fn: number): DevicePathNode {
  return { type: DEVICE_PATH_TYPE.HARDWARE, subType: 0x01, data: Buffer.of(fn, device) };
}

/** Hard drive media node: a GPT partition by number, start and size in LBAs, and partition GUID. */
export function gptPartitionNode(partitionNumber: number, startLba: bigint, sizeLba: bigint, partitionGuid: string): DevicePathNode {
  const w = new LeWriter().u32(partitionNumber).u64(startLba).u64(sizeLba);
  EFI_GUID.write(w, partitionGuid);
  return { type: DEVICE_PATH_TYPE.MEDIA, subType: 0x01, data: w.u8(0x02).u8(0x02).finish() }; // MBRType GPT, SignatureType GUID
}

export function filePathNode(path: string): DevicePathNode {
  return { type: DEVICE_PATH_TYPE.MEDIA, subType: 0x04, data: ucs2(path) };
}
