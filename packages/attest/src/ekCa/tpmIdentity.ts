import { GetCapability, TPM_CAP, TPM_PT, type TpmClient } from '@vtpm/tpm';

/**
 * What an EK certificate says the TPM is (EK Credential Profile 3.2.9 and 3.2.10), read from the
 * TPM's own fixed properties: TPM_PT_MANUFACTURER as "id:XXXXXXXX", the vendor strings as the
 * model, TPM_PT_FIRMWARE_VERSION_1 as "id:XXXXXXXX", and the specification it implements.
 */
export interface TpmIdentity {
  manufacturer: string;
  model: string;
  version: string;
  specFamily: string;
  specLevel: number;
  specRevision: number;
}

export async function readTpmIdentity(client: TpmClient): Promise<TpmIdentity> {
  const r = await client.run(GetCapability, { params: { capability: TPM_CAP.TPM_PROPERTIES, property: TPM_PT.FAMILY_INDICATOR, propertyCount: 16 } });
  const properties = new Map((r.capabilityData.data as { property: number; value: number }[]).map((p) => [p.property, p.value >>> 0]));
  const value = (pt: number) => properties.get(pt) ?? 0;
  const ascii = (pts: number[]) => Buffer.concat(pts.map((pt) => u32(value(pt)))).toString('latin1').replace(/\0/g, '').trim();
  return {
    manufacturer: `id:${hex8(value(TPM_PT.MANUFACTURER))}`,
    model: ascii([TPM_PT.VENDOR_STRING_1, TPM_PT.VENDOR_STRING_2, TPM_PT.VENDOR_STRING_3, TPM_PT.VENDOR_STRING_4]) || 'unknown',
    version: `id:${hex8(value(TPM_PT.FIRMWARE_VERSION_1))}`,
    specFamily: ascii([TPM_PT.FAMILY_INDICATOR]) || '2.0',
    specLevel: value(TPM_PT.LEVEL),
    specRevision: value(TPM_PT.REVISION),
  };
}

const hex8 = (v: number) => v.toString(16).toUpperCase().padStart(8, '0');

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}
