import type { LeCodec } from './leCodec.js';
import { EFI_GUID } from './uefiGuid.js';
import { readUintn, readUintnLength, writeUintn, type UintnBytes } from './uintn.js';

/** EFI_CONFIGURATION_TABLE: a table the firmware hands to the OS (ACPI, SMBIOS), by GUID and address. */
export interface EfiConfigurationTable {
  vendorGuid: string;
  vendorTable: bigint;
}

/** UEFI_HANDOFF_TABLE_POINTERS (PFP 10.2.5; EV_EFI_HANDOFF_TABLES in PCR 1). */
export function uefiHandoffTablePointersCodec(uintn: UintnBytes): LeCodec<EfiConfigurationTable[]> {
  return {
    name: 'UEFI_HANDOFF_TABLE_POINTERS',
    read(r) {
      const count = readUintnLength(r, uintn, 'NumberOfTables', 16 + uintn);
      const tables: EfiConfigurationTable[] = [];
      for (let i = 0; i < count; i++) tables.push({ vendorGuid: EFI_GUID.read(r), vendorTable: readUintn(r, uintn) });
      return tables;
    },
    write(w, tables) {
      writeUintn(w, uintn, tables.length);
      for (const t of tables) {
        EFI_GUID.write(w, t.vendorGuid);
        writeUintn(w, uintn, t.vendorTable);
      }
    },
  };
}
