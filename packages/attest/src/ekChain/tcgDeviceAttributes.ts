import type * as pkijs from 'pkijs';

/** TCG EK Credential Profile (2.0, 3.2.9): the TPM's identity in the subject alternative name's directoryName. */
export const TCG_AT_TPM_MANUFACTURER = '2.23.133.2.1';
export const TCG_AT_TPM_MODEL = '2.23.133.2.2';
export const TCG_AT_TPM_VERSION = '2.23.133.2.3';
const SUBJECT_ALT_NAME = '2.5.29.17';
const DIRECTORY_NAME = 4;

/** What the EK certificate says the TPM is. */
export interface TpmDeviceAttributes {
  /** As written, e.g. "id:49465800"; the TCG vendor ID registry gives the vendor. */
  manufacturer: string;
  /** The vendor ID's four octets as ASCII when printable ("IFX", "IBM"), else null. */
  manufacturerAscii: string | null;
  model: string;
  /** Firmware version as written, e.g. "id:00070002". */
  version: string;
}

function text(value: unknown): string | undefined {
  const v = (value as { valueBlock?: { value?: unknown } }).valueBlock?.value;
  return typeof v === 'string' ? v : undefined;
}

/** "id:49465800" -> "IFX" (trailing NULs dropped); null when not four printable octets. */
function vendorAscii(manufacturer: string): string | null {
  const m = /^id:([0-9a-f]{8})$/i.exec(manufacturer);
  if (!m) return null;
  const ascii = Buffer.from(m[1]!, 'hex').toString('latin1').replace(/\0+$/, '');
  return /^[\x20-\x7e]+$/.test(ascii) ? ascii : null;
}

/** The TPM manufacturer, model and version from the certificate's SAN, or null when any is absent. */
export function tcgDeviceAttributes(cert: pkijs.Certificate): TpmDeviceAttributes | null {
  const san = cert.extensions?.find((e) => e.extnID === SUBJECT_ALT_NAME)?.parsedValue as pkijs.AltName | undefined;
  const found = new Map<string, string>();
  for (const name of san?.altNames ?? []) {
    if (name.type !== DIRECTORY_NAME) continue;
    for (const tv of (name.value as pkijs.RelativeDistinguishedNames).typesAndValues) {
      const v = text(tv.value);
      if (v !== undefined) found.set(tv.type, v);
    }
  }
  const manufacturer = found.get(TCG_AT_TPM_MANUFACTURER);
  const model = found.get(TCG_AT_TPM_MODEL);
  const version = found.get(TCG_AT_TPM_VERSION);
  if (manufacturer === undefined || model === undefined || version === undefined) return null;
  return { manufacturer, manufacturerAscii: vendorAscii(manufacturer), model, version };
}
