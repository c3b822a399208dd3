import { readFileSync, writeFileSync } from 'node:fs';
import { CommandFailure } from './commandFailure.js';

/** A file an option names, or a one-line failure saying which option and why it cannot be read. */
export function readInputFile(command: string, what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CommandFailure(`${command}: ${what} ${path}: cannot read it (${errorCode(e)})`);
  }
}

export function writeOutputFile(command: string, what: string, path: string, data: Uint8Array | string): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw new CommandFailure(`${command}: ${what} ${path}: cannot write it (${errorCode(e)})`);
  }
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? (e instanceof Error ? e.message : String(e));
}
