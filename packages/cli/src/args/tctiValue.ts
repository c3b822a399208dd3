import { parseKeyValueList } from './keyValueList.js';
import { parsePort } from './numbers.js';
import { UsageError } from './usageError.js';

/** A TPM reachable over TCP, named as tpm2-tss names it: `mssim:host=A,port=N` or `swtpm:host=A,port=N`. */
export interface TctiTarget {
  kind: 'mssim' | 'swtpm';
  host: string;
  port: number;
}

/** The port both TCTIs use when none is given. */
const DEFAULT_PORT = 2321;

export function parseTcti(what: string, text: string): TctiTarget {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  if (kind !== 'mssim' && kind !== 'swtpm') throw new UsageError(`${what}: TCTI '${kind}' is not supported: use mssim:host=ADDRESS,port=N or swtpm:host=ADDRESS,port=N`);
  const { values } = parseKeyValueList(what, colon < 0 ? '' : text.slice(colon + 1), ['host', 'port']);
  const port = values.has('port') ? parsePort(`${what} port`, values.get('port')!) : DEFAULT_PORT;
  // tpm2-tss's default host is "localhost"; 127.0.0.1 avoids an IPv6 ::1 lookup the servers do not listen on.
  const host = values.get('host') ?? '127.0.0.1';
  return { kind, host: host === 'localhost' ? '127.0.0.1' : host, port };
}
