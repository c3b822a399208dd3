import { createHash } from 'node:crypto';
import { encodeLe, EFI_SIGNATURE_DATABASE, UEFI_GUID, type EfiSignatureList } from '@vtpm/attest';
import { BOOT_COMPONENTS, madeUpBytes } from './bootComponents.js';

/** Owner GUID of every signature this made-up platform enrolled. */
export const PLATFORM_OWNER_GUID = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();

/** A made-up RSA-2048 public key modulus (top bit set, odd), enrolled as EFI_CERT_RSA2048. */
function rsa2048List(label: string): EfiSignatureList {
  const modulus = madeUpBytes(label, 256);
  modulus[0]! |= 0x80;
  modulus[255]! |= 0x01;
  return { signatureType: UEFI_GUID.certRsa2048, signatureHeader: Buffer.alloc(0), signatures: [{ owner: PLATFORM_OWNER_GUID, data: modulus }] };
}

function sha256List(images: Uint8Array[]): EfiSignatureList {
  return { signatureType: UEFI_GUID.certSha256, signatureHeader: Buffer.alloc(0), signatures: images.map((i) => ({ owner: PLATFORM_OWNER_GUID, data: sha256(i) })) };
}

/** The db entry that allows the boot loader: what EV_EFI_VARIABLE_AUTHORITY records when it is verified. */
export const BOOT_LOADER_DB_ENTRY = sha256List([BOOT_COMPONENTS.bootLoader.bytes]);

/** Secure Boot on: the platform key, the key-exchange key, allowed images (db) and revoked ones (dbx). */
export const SECURE_BOOT_VARIABLES = [
  { name: 'SecureBoot', vendor: UEFI_GUID.globalVariable, value: Buffer.of(1) },
  { name: 'PK', vendor: UEFI_GUID.globalVariable, value: encodeLe(EFI_SIGNATURE_DATABASE, [rsa2048List('platform key')]) },
  { name: 'KEK', vendor: UEFI_GUID.globalVariable, value: encodeLe(EFI_SIGNATURE_DATABASE, [rsa2048List('key exchange key')]) },
  { name: 'db', vendor: UEFI_GUID.imageSecurityDatabase, value: encodeLe(EFI_SIGNATURE_DATABASE, [BOOT_LOADER_DB_ENTRY]) },
  { name: 'dbx', vendor: UEFI_GUID.imageSecurityDatabase, value: encodeLe(EFI_SIGNATURE_DATABASE, [sha256List([madeUpBytes('revoked boot loader 2.02', 4096), madeUpBytes('revoked boot loader 2.04', 4096)])]) },
] as const;
