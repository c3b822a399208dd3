import { readFileSync, unlinkSync } from 'node:fs';
import { StateKey, STATE_KEY_BYTES } from '@vtpm/server';
import type { StateKeySpec } from '../args/stateKeyOption.js';
import { CommandFailure } from './commandFailure.js';

/** Reads the key or passphrase a `--key` / `--migration-key` names; a bad one is a one-line failure. */
export function loadStateKey(command: string, spec: StateKeySpec): StateKey {
  const where = 'path' in spec.source ? spec.source.path : `fd ${spec.source.fd}`;
  let bytes: Buffer;
  try {
    bytes = readFileSync('path' in spec.source ? spec.source.path : spec.source.fd);
  } catch (e) {
    throw new CommandFailure(`${command}: ${spec.option} ${where}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (spec.remove && 'path' in spec.source) unlinkSync(spec.source.path);
  if (spec.kind === 'passphrase') {
    const passphrase = bytes.toString('utf8').replace(/\r?\n$/, ''); // `echo secret > file` ends with a newline
    if (passphrase === '') throw new CommandFailure(`${command}: ${spec.option} ${where}: the passphrase is empty`);
    return StateKey.fromPassphrase(Buffer.from(passphrase, 'utf8'), spec.kdf);
  }
  const key = spec.format === 'hex' ? hexKey(bytes.toString('utf8').trim()) : bytes;
  if (!key || key.length !== STATE_KEY_BYTES) {
    const expected = spec.format === 'hex' ? `${2 * STATE_KEY_BYTES} hex digits` : `${STATE_KEY_BYTES} bytes`;
    throw new CommandFailure(`${command}: ${spec.option} ${where}: not an AES-256 key (${expected}, format=${spec.format})`);
  }
  return StateKey.fromBytes(key);
}

function hexKey(text: string): Buffer | null {
  return /^([0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : null;
}
