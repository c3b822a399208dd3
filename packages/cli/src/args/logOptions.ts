import { parseKeyValueList } from './keyValueList.js';
import { parseNonNegativeInteger } from './numbers.js';
import { UsageError } from './usageError.js';

/** swtpm's `--log file=PATH|fd=N[,level=N][,prefix=TEXT][,truncate]`. */
export interface LogOptions {
  /** Null for `file=-` (no log). */
  target: { path: string } | { fd: number } | null;
  level: number;
  prefix: string;
  truncate: boolean;
}

/** swtpm logs errors at level 1 and more detail above. */
const DEFAULT_LEVEL = 1;

export function parseLogOption(text: string): LogOptions {
  const { values, words } = parseKeyValueList('--log', text, ['file', 'fd', 'level', 'prefix'], ['truncate']);
  const file = values.get('file');
  const fd = values.get('fd');
  if (file !== undefined && fd !== undefined) throw new UsageError('--log: give file=PATH or fd=N, not both');
  const level = values.has('level') ? parseNonNegativeInteger('--log level', values.get('level')!) : DEFAULT_LEVEL;
  const target = file === '-' ? null : file !== undefined ? { path: file } : fd !== undefined ? { fd: parseNonNegativeInteger('--log fd', fd) } : null;
  if (file === undefined && fd === undefined) throw new UsageError('--log: give file=PATH (or file=- for none) or fd=N');
  return { target, level, prefix: values.get('prefix') ?? '', truncate: words.has('truncate') };
}
