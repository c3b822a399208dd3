import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_FILE_NAMES } from '@vtpm/server';
import { UsageError } from '../args/usageError.js';

/** `--print-states`: the state files present, as swtpm prints them (`permall`, `volatilestate`, `savestate`). */
export function printStates(command: string, dir: string | null): string {
  if (dir === null) throw new UsageError(`${command}: --print-states needs --tpmstate dir=DIR`);
  const present = Object.values(STATE_FILE_NAMES).filter((name) => existsSync(join(dir, name)));
  const names = present.map((name) => `"${name.slice(name.indexOf('.') + 1)}"`);
  return `{ "type": "swtpm", "states": ${names.length ? `[ ${names.join(', ')} ]` : '[]'} }`;
}
