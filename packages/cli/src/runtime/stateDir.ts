import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../args/usageError.js';

/**
 * `--tpmstate dir=DIR`: created when missing and checked to be a writable directory, so a wrong
 * path is a usage error now rather than a failed write later.
 */
export function prepareStateDir(dir: string): void {
  prepareWritableDirectory(`--tpmstate dir=${dir}`, dir);
}

/** A directory an option names (`what`, e.g. `--ca-dir /x`), made when missing and checked to be writable. */
export function prepareWritableDirectory(what: string, dir: string): void {
  try {
    makeDirectories(dir);
  } catch (e) {
    throw new UsageError(`${what}: cannot create the directory (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (!statSync(dir).isDirectory()) throw new UsageError(`${what}: not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${what}: directory is not writable`);
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdirSync never returns on some pseudo file
 * systems (/proc) where a level cannot be created.
 */
function makeDirectories(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirectories(parent);
  mkdirSync(dir);
}
