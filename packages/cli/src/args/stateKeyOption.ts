import { parseKeyValueList } from './keyValueList.js';
import { parseNonNegativeInteger } from './numbers.js';
import { UsageError } from './usageError.js';

/**
 * `--key` / `--migration-key`, in swtpm's syntax:
 *   file=PATH|fd=N[,format=hex|binary][,mode=aes-256-gcm][,remove=true|false]
 *   pwdfile=PATH|pwdfd=N[,mode=aes-256-gcm][,kdf=pbkdf2|sha512][,remove=true|false]
 */
export interface StateKeySpec {
  option: string;
  source: { path: string } | { fd: number };
  /** A key (32 octets, hex or binary) or a passphrase. */
  kind: 'key' | 'passphrase';
  format: 'hex' | 'binary';
  kdf: 'pbkdf2' | 'sha512';
  /** Delete the file once read (swtpm's remove=true). */
  remove: boolean;
}

export function parseStateKeyOption(command: string, option: string, text: string): StateKeySpec {
  const { values } = parseKeyValueList(option, text, ['file', 'fd', 'pwdfile', 'pwdfd', 'format', 'mode', 'remove', 'kdf']);
  const sources = ['file', 'fd', 'pwdfile', 'pwdfd'].filter((k) => values.has(k));
  if (sources.length !== 1) throw new UsageError(`${command}: ${option}: give one of file=PATH, fd=N, pwdfile=PATH, pwdfd=N`);
  const source = sources[0]!;
  const kind = source.startsWith('pwd') ? 'passphrase' : 'key';
  checkMode(command, option, values.get('mode'));
  const format = values.get('format') ?? 'hex';
  if (format !== 'hex' && format !== 'binary') throw new UsageError(`${command}: ${option}: format=${format}: use hex or binary`);
  if (kind === 'passphrase' && values.has('format')) throw new UsageError(`${command}: ${option}: format= applies to key files, not to a passphrase`);
  const kdf = values.get('kdf') ?? 'pbkdf2';
  if (kdf !== 'pbkdf2' && kdf !== 'sha512') throw new UsageError(`${command}: ${option}: kdf=${kdf}: use pbkdf2 or sha512`);
  if (kind === 'key' && values.has('kdf')) throw new UsageError(`${command}: ${option}: kdf= applies to a passphrase (pwdfile=, pwdfd=)`);
  const remove = values.get('remove') ?? 'false';
  if (remove !== 'true' && remove !== 'false') throw new UsageError(`${command}: ${option}: remove=${remove}: use true or false`);
  const value = values.get(source)!;
  return {
    option,
    source: source.endsWith('fd') ? { fd: parseNonNegativeInteger(`${option} ${source}`, value) } : { path: value },
    kind,
    format,
    kdf,
    remove: remove === 'true',
  };
}

/**
 * vtpm seals state with AES-256-GCM, which authenticates it. swtpm's aes-256-cbc is taken as a
 * request for a 256-bit key (vtpm's files are not swtpm's either way); aes-cbc (128 bits) is refused.
 */
function checkMode(command: string, option: string, mode: string | undefined): void {
  if (mode === undefined || mode === 'aes-256-gcm' || mode === 'aes-256-cbc') return;
  if (mode === 'aes-cbc' || mode === 'aes-128-cbc') throw new UsageError(`${command}: ${option}: mode=${mode}: vtpm seals state with 256-bit keys only (mode=aes-256-gcm)`);
  throw new UsageError(`${command}: ${option}: unknown mode '${mode}' (aes-256-gcm)`);
}
