import { parsePort } from './numbers.js';
import { UsageError } from './usageError.js';

/** `HOST:PORT` (a name or IPv4 address; IPv6 in brackets: `[::1]:2790`). */
export function parseHostPort(what: string, text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d+)$/.exec(text);
  if (!m) throw new UsageError(`${what}: give HOST:PORT (e.g. 127.0.0.1:2790), not '${text}'`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: parsePort(what, m[2]!) };
}
