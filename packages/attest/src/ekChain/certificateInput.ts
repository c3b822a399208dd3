import * as pkijs from 'pkijs';
import { refuse } from '../refusal.js';

/** A certificate (or several, in PEM) as DER octets or PEM text. */
export type CertificateInput = Uint8Array | string;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** The DER of every certificate in `input`: one DER buffer, or each PEM block in order. */
export function certificateDers(input: CertificateInput): Buffer[] {
  if (typeof input !== 'string') return [Buffer.from(input)];
  const ders = [...input.matchAll(PEM_BLOCK)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  if (!ders.length) refuse('malformed-evidence', 'no PEM certificate block (-----BEGIN CERTIFICATE-----) in the text');
  return ders;
}

/** Parses DER with pkijs; anything else is refused as malformed, naming `what`. */
export function parseCertificate(der: Uint8Array, what: string): pkijs.Certificate {
  try {
    return pkijs.Certificate.fromBER(Buffer.from(der));
  } catch (e) {
    return refuse('malformed-evidence', `${what} is not a DER X.509 certificate (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Every certificate in the inputs, parsed. */
export function readCertificates(inputs: readonly CertificateInput[], what: string): pkijs.Certificate[] {
  return inputs.flatMap((input) => certificateDers(input)).map((der, i) => parseCertificate(der, `${what} #${i + 1}`));
}

/** A distinguished name as "CN=x, O=y" (OIDs for attribute types without a short name). */
export function describeName(name: pkijs.RelativeDistinguishedNames): string {
  const short: Record<string, string> = { '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.5': 'serialNumber' };
  return name.typesAndValues.map((tv) => `${short[tv.type] ?? tv.type}=${(tv.value as { valueBlock?: { value?: unknown } }).valueBlock?.value ?? '?'}`).join(', ');
}
