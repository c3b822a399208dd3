import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Each migration's own 32-byte key for questions about its outcome after the stream is gone. The
 * source draws it and sends it inside the encrypted stream (with stopCopyDone); both hosts keep
 * it with their durable state for that migration. A question or an answer that could make a VM
 * run ("commit", "committed", "prepared") counts only with a valid MAC under it, so neither a
 * third party nor another authenticated daemon can make two copies run; "abort" and "unknown"
 * need none (they only ever stop a copy).
 */
export const newResolutionKey = (): Buffer => randomBytes(32);

export function resolutionMac(key: Buffer, ...fields: string[]): string {
  const h = createHmac('sha256', key).update('vtpm/migration resolution');
  for (const f of fields) h.update(`\u0000${f}`);
  return h.digest('base64');
}

export function resolutionMacValid(key: Buffer | undefined, mac: unknown, ...fields: string[]): boolean {
  if (!key || typeof mac !== 'string') return false;
  const expected = Buffer.from(resolutionMac(key, ...fields), 'base64');
  const given = Buffer.from(mac, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
