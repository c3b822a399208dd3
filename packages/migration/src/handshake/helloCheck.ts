import type { Hello } from './handshakeMessages.js';

/** Largest VM the destination stages (pages of 4 KiB): 16 GiB; a bigger claim is a bug or an attack on its memory. */
export const MAX_MIGRATION_PAGES = 1 << 22;
const MAX_VCPUS = 256;

/** What is wrong with a decoded hello (fields, sizes), or undefined when it is well-formed. */
export function helloProblem(hello: Hello): string | undefined {
  const c = hello.config as Partial<Hello['config']> | undefined;
  if (typeof c !== 'object' || c === null) return 'the hello carries no VM config';
  if (c.vmId !== hello.vmId) return `the hello's config names VM ${String(c.vmId)}, not ${hello.vmId}`;
  if (!Number.isInteger(c.memoryPages) || c.memoryPages! <= 0 || c.memoryPages! > MAX_MIGRATION_PAGES) return `memoryPages ${String(c.memoryPages)} is not an integer in 1..${MAX_MIGRATION_PAGES}`;
  if (c.mode !== 'xts') return `memory mode ${String(c.mode)} cannot migrate (xts only)`;
  if (!Number.isInteger(c.vcpus) || c.vcpus! <= 0 || c.vcpus! > MAX_VCPUS) return `vcpus ${String(c.vcpus)} is not an integer in 1..${MAX_VCPUS}`;
  if (!/^[0-9]{1,20}$/.test(hello.epoch)) return `epoch ${hello.epoch} is not a decimal counter value`;
  if (hello.keyRelease !== 'stream' && hello.keyRelease !== 'broker') return `keyRelease ${String(hello.keyRelease)} is neither stream nor broker`;
  if (typeof hello.streamEncryption !== 'boolean') return 'the hello does not say whether the stream is encrypted';
  return undefined;
}
