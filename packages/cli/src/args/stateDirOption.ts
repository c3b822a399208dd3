import { parseKeyValueList } from './keyValueList.js';
import { UsageError } from './usageError.js';

/** `--tpmstate dir=DIR`, as swtpm and swtpm_setup take it. */
export function parseStateDirOption(command: string, text: string): string {
  const { values } = parseKeyValueList('--tpmstate', text, ['dir']);
  const dir = values.get('dir');
  if (!dir) throw new UsageError(`${command}: --tpmstate: give dir=DIR`);
  return dir;
}
