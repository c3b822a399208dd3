import { UsageError } from './usageError.js';

/** A TCP port number, 0-65535 (0: the operating system picks one). */
export function parsePort(what: string, text: string): number {
  const n = parseNonNegativeInteger(what, text);
  if (n > 65535) throw new UsageError(`${what}: port ${text} is out of range (0-65535)`);
  return n;
}

export function parseNonNegativeInteger(what: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${what}: invalid number '${text}'`);
  return Number(text);
}

/** A file mode in octal, as swtpm takes it (`mode=0640`). */
export function parseOctalMode(what: string, text: string): number {
  if (!/^[0-7]{1,4}$/.test(text)) throw new UsageError(`${what}: invalid octal mode '${text}'`);
  return parseInt(text, 8);
}
