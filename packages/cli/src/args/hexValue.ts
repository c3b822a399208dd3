import { UsageError } from './usageError.js';

/** Octets written in hex, as tpm2-tools takes nonces (`-q 6e6f6e6365`), with or without 0x. */
export function parseHex(what: string, text: string): Buffer {
  const digits = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (digits === '' || !/^([0-9a-fA-F]{2})+$/.test(digits)) throw new UsageError(`${what}: '${text}' is not hex octets (an even number of digits 0-9, a-f)`);
  return Buffer.from(digits, 'hex');
}
