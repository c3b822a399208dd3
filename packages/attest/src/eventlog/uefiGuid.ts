import { EventLogFormatError } from './eventLogFormatError.js';
import type { LeCodec } from './leCodec.js';

/**
 * EFI_GUID: written as "8be4df61-93ca-11d2-aa0d-00e098032b8c"; in memory the first three
 * fields are little-endian and the last eight bytes are as written.
 */
export const EFI_GUID: LeCodec<string> = {
  name: 'EFI_GUID',
  read(r) {
    const b = r.bytes(16, 'EFI_GUID');
    const h = (x: Buffer) => x.toString('hex');
    return [h(Buffer.from(b.subarray(0, 4)).reverse()), h(Buffer.from(b.subarray(4, 6)).reverse()), h(Buffer.from(b.subarray(6, 8)).reverse()), h(b.subarray(8, 10)), h(b.subarray(10, 16))].join('-');
  },
  write(w, guid) {
    const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(guid);
    if (!m) throw new EventLogFormatError(`not a GUID: ${guid}`);
    const le = (hex: string) => Buffer.from(hex, 'hex').reverse();
    w.bytes(le(m[1]!)).bytes(le(m[2]!)).bytes(le(m[3]!)).bytes(Buffer.from(m[4]! + m[5]!, 'hex'));
  },
};

/** GUIDs from the UEFI specification that measured-boot events name. */
export const UEFI_GUID = {
  /** EFI_GLOBAL_VARIABLE: SecureBoot, PK, KEK, BootOrder, Boot####. */
  globalVariable: '8be4df61-93ca-11d2-aa0d-00e098032b8c',
  /** EFI_IMAGE_SECURITY_DATABASE_GUID: db, dbx. */
  imageSecurityDatabase: 'd719b2cb-3d3a-4596-a3bc-dad00e67656f',
  certSha256: 'c1c41626-504c-4092-aca9-41f936934328',
  certRsa2048: '3c5766e8-269c-4e34-aa14-ed776e85b3b6',
  certX509: 'a5c059a1-94e4-4aa7-87b5-ab155c2bf072',
  /** EFI_PART_TYPE_EFI_SYSTEM_PART_GUID: the EFI system partition. */
  efiSystemPartition: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b',
} as const;

const GUID_NAMES = new Map<string, string>([
  [UEFI_GUID.globalVariable, 'EFI_GLOBAL_VARIABLE'],
  [UEFI_GUID.imageSecurityDatabase, 'EFI_IMAGE_SECURITY_DATABASE'],
  [UEFI_GUID.certSha256, 'EFI_CERT_SHA256'],
  [UEFI_GUID.certRsa2048, 'EFI_CERT_RSA2048'],
  [UEFI_GUID.certX509, 'EFI_CERT_X509'],
  [UEFI_GUID.efiSystemPartition, 'EFI System Partition'],
  ['605dab50-e046-4300-abb6-3dd810dd8b23', 'SHIM_LOCK'],
  ['77fa9abd-0359-4d32-bd60-28f4e78f784b', 'MICROSOFT'],
  ['8868e871-e4f1-11d3-bc22-0080c73c8881', 'ACPI 2.0 table'],
  ['eb9d2d30-2d88-11d3-9a16-0090273fc14d', 'ACPI 1.0 table'],
  ['eb9d2d31-2d88-11d3-9a16-0090273fc14d', 'SMBIOS table'],
  ['f2fd1544-9794-4a2c-992e-e5bbcf20e394', 'SMBIOS 3 table'],
  ['0fc63daf-8483-4772-8e79-3d69d8477de4', 'Linux filesystem data'],
  ['21686148-6449-6e6f-744e-656564454649', 'BIOS boot partition'],
  ['a19d880f-05fc-4d3b-a006-743f0f84911e', 'Linux RAID'],
]);

/** A readable name for a GUID the UEFI and PC Client specifications (or common OSes) define, if known. */
export function guidName(guid: string): string | undefined {
  return GUID_NAMES.get(guid.toLowerCase());
}
