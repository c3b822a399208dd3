import { EventLogFormatError } from './eventLogFormatError.js';
import type { LeCodec } from './leCodec.js';
import { LeReader } from './leReader.js';
import { fromUcs2, ucs2 } from './ucs2.js';
import { EFI_GUID } from './uefiGuid.js';
import { readUintnLength, writeUintn, type UintnBytes } from './uintn.js';

/** The parts of UEFI_PARTITION_TABLE_HEADER (the GPT header, UEFI 5.3.2) a verifier looks at. */
export interface GptHeader {
  /** "EFI PART" */
  signature: string;
  revision: number;
  headerSize: number;
  headerCrc32: number;
  myLba: bigint;
  alternateLba: bigint;
  firstUsableLba: bigint;
  lastUsableLba: bigint;
  diskGuid: string;
  partitionEntryLba: bigint;
  numberOfPartitionEntries: number;
  sizeOfPartitionEntry: number;
  partitionEntryArrayCrc32: number;
}

/** EFI_PARTITION_ENTRY (UEFI 5.3.3). */
export interface GptPartition {
  partitionTypeGuid: string;
  uniquePartitionGuid: string;
  startingLba: bigint;
  endingLba: bigint;
  attributes: bigint;
  partitionName: string;
}

/** UEFI_GPT_DATA (PFP 10.2.4; EV_EFI_GPT_EVENT in PCR 5): the GPT header and the partitions in use. */
export interface UefiGptData {
  header: GptHeader;
  partitions: GptPartition[];
}

/** The smallest partition entry; the header is packed (92 bytes) in the log. */
const PARTITION_ENTRY_SIZE = 128;
const NAME_BYTES = 72;

export function uefiGptDataCodec(uintn: UintnBytes): LeCodec<UefiGptData> {
  return {
    name: 'UEFI_GPT_DATA',
    read(r) {
      const at = r.offset;
      const header = readHeader(r);
      if (header.signature !== 'EFI PART') throw new EventLogFormatError(`UEFI_GPT_DATA: header signature is not "EFI PART"`, at);
      const entrySize = header.sizeOfPartitionEntry;
      if (entrySize < PARTITION_ENTRY_SIZE) throw new EventLogFormatError(`UEFI_GPT_DATA: SizeOfPartitionEntry ${entrySize} < ${PARTITION_ENTRY_SIZE}`, at + 84);
      const count = readUintnLength(r, uintn, 'NumberOfPartitions', entrySize);
      const partitions: GptPartition[] = [];
      for (let i = 0; i < count; i++) partitions.push(readPartition(new LeReader(r.view(entrySize, 'EFI_PARTITION_ENTRY'))));
      return { header, partitions };
    },
    write(w, v) {
      const h = v.header;
      w.bytes(Buffer.from(h.signature.padEnd(8, '\0').slice(0, 8), 'latin1')).u32(h.revision).u32(h.headerSize).u32(h.headerCrc32).u32(0);
      w.u64(h.myLba).u64(h.alternateLba).u64(h.firstUsableLba).u64(h.lastUsableLba);
      EFI_GUID.write(w, h.diskGuid);
      w.u64(h.partitionEntryLba).u32(h.numberOfPartitionEntries).u32(h.sizeOfPartitionEntry).u32(h.partitionEntryArrayCrc32);
      writeUintn(w, uintn, v.partitions.length);
      for (const p of v.partitions) {
        EFI_GUID.write(w, p.partitionTypeGuid);
        EFI_GUID.write(w, p.uniquePartitionGuid);
        const name = Buffer.alloc(NAME_BYTES);
        ucs2(p.partitionName, false).copy(name, 0, 0, NAME_BYTES);
        w.u64(p.startingLba).u64(p.endingLba).u64(p.attributes).bytes(name).bytes(Buffer.alloc(h.sizeOfPartitionEntry - PARTITION_ENTRY_SIZE));
      }
    },
  };
}

function readHeader(r: LeReader): GptHeader {
  const signature = r.bytes(8, 'Signature').toString('latin1');
  const [revision, headerSize, headerCrc32] = [r.u32(), r.u32(), r.u32()];
  r.u32(); // Reserved
  const [myLba, alternateLba, firstUsableLba, lastUsableLba] = [r.u64(), r.u64(), r.u64(), r.u64()];
  const diskGuid = EFI_GUID.read(r);
  const partitionEntryLba = r.u64();
  const [numberOfPartitionEntries, sizeOfPartitionEntry, partitionEntryArrayCrc32] = [r.u32(), r.u32(), r.u32()];
  return { signature, revision, headerSize, headerCrc32, myLba, alternateLba, firstUsableLba, lastUsableLba, diskGuid, partitionEntryLba, numberOfPartitionEntries, sizeOfPartitionEntry, partitionEntryArrayCrc32 };
}

function readPartition(r: LeReader): GptPartition {
  return {
    partitionTypeGuid: EFI_GUID.read(r),
    uniquePartitionGuid: EFI_GUID.read(r),
    startingLba: r.u64(),
    endingLba: r.u64(),
    attributes: r.u64(),
    partitionName: fromUcs2(r.view(NAME_BYTES, 'PartitionName')),
  };
}
