import { createHash } from 'node:crypto';
import { devicePathToText } from './devicePathText.js';
import { decodeLe } from './leCodec.js';
import { EFI_LOAD_OPTION } from './uefiLoadOption.js';
import { EFI_SIGNATURE_DATA, EFI_SIGNATURE_DATABASE, type EfiSignatureData } from './uefiSignatureList.js';
import { guidName } from './uefiGuid.js';
import type { UefiVariableData } from './uefiVariableData.js';

/**
 * What a measured UEFI variable's value means, for the variables a verifier looks at: Secure Boot
 * state, the signature databases, the boot order and boot entries. JSON-ready; undefined for
 * variables this does not interpret. Throws EventLogFormatError when the value is malformed.
 */
export function describeVariableValue(v: UefiVariableData, authority: boolean): Record<string, unknown> | undefined {
  const name = v.unicodeName;
  const data = v.variableData;
  if (authority) return describeAuthority(data);
  if (ONE_BYTE_FLAGS.has(name)) return data.length === 1 ? { enabled: data[0] === 1 } : undefined;
  if (SIGNATURE_DATABASES.has(name)) return { signatureLists: describeSignatureDatabase(data) };
  if (name === 'BootOrder' && data.length % 2 === 0) return { bootOrder: Array.from({ length: data.length / 2 }, (_, i) => bootName(data.readUInt16LE(2 * i))) };
  if (/^Boot[0-9A-F]{4}$/.test(name)) {
    const o = decodeLe(EFI_LOAD_OPTION, data);
    return { loadOption: { attributes: o.attributes, active: (o.attributes & 1) === 1, description: o.description, devicePath: devicePathToText(o.filePathList), optionalDataSize: o.optionalData.length } };
  }
  return undefined;
}

const ONE_BYTE_FLAGS = new Set(['SecureBoot', 'SetupMode', 'AuditMode', 'DeployedMode']);
const SIGNATURE_DATABASES = new Set(['PK', 'KEK', 'db', 'dbx', 'dbt', 'dbr', 'MokList', 'MokListX', 'MokListTrusted']);

const bootName = (n: number) => `Boot${n.toString(16).toUpperCase().padStart(4, '0')}`;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function describeSignatureDatabase(data: Buffer) {
  return decodeLe(EFI_SIGNATURE_DATABASE, data).map((l) => ({
    signatureType: guidName(l.signatureType) ?? l.signatureType,
    signatures: l.signatures.map((s) => describeSignature(s, l.signatureType)),
  }));
}

/** A hash entry by its value; a certificate or key by its SHA-256 fingerprint. */
function describeSignature(s: EfiSignatureData, type: string) {
  const isHash = guidName(type) === 'EFI_CERT_SHA256';
  return isHash ? { owner: s.owner, sha256: s.data.toString('hex') } : { owner: s.owner, fingerprintSha256: sha256(s.data), size: s.data.length };
}

/** EV_EFI_VARIABLE_AUTHORITY: the db entry (EFI_SIGNATURE_DATA) that authorized an image, or shim's raw certificate. */
function describeAuthority(data: Buffer) {
  if (data.length > 16 && data[16] === 0x30) {
    const s = decodeLe(EFI_SIGNATURE_DATA, data);
    return { owner: s.owner, fingerprintSha256: sha256(s.data) };
  }
  return { fingerprintSha256: sha256(data) };
}
