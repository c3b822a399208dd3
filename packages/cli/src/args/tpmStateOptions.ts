import type { OptionLookup } from './optionLookup.js';
import { parseKeyValueList } from './keyValueList.js';
import { parseOctalMode } from './numbers.js';
import { parseRollbackAnchor, type RollbackAnchorSpec } from './rollbackAnchorOption.js';
import { parseStateKeyOption, type StateKeySpec } from './stateKeyOption.js';
import { UsageError } from './usageError.js';

/** Where and how a TPM's state is kept: `--tpmstate`, `--key`, `--migration-key`, `--rollback-anchor`. */
export interface TpmStateOptions {
  /** Null: the state lives in the process only. */
  dir: string | null;
  /** File mode of the state files (swtpm's default 0640). */
  mode: number;
  key: StateKeySpec | null;
  migrationKey: StateKeySpec | null;
  anchor: RollbackAnchorSpec | null;
}

/** The options these parsers read: add them to a command's specs. */
export const TPM_STATE_OPTION_SPECS = [
  { name: '--tpmstate', takesValue: true },
  { name: '--key', takesValue: true },
  { name: '--migration-key', takesValue: true },
  { name: '--rollback-anchor', takesValue: true },
  { name: '--rollback-tcti', takesValue: true },
] as const;

/** `--tpmstate dir=DIR[,mode=0640]` (or $TPM_PATH when `useTpmPath`, as swtpm) and the key options. */
export function parseTpmStateOptions(o: OptionLookup, opts: { useTpmPath?: boolean; migration?: boolean } = {}): TpmStateOptions {
  const command = o.command;
  const tpmstate = o.value('--tpmstate');
  let dir: string | null = null;
  let mode = 0o640;
  if (tpmstate !== null) {
    const { values } = parseKeyValueList('--tpmstate', tpmstate, ['dir', 'mode', 'backend-uri']);
    if (values.has('backend-uri')) throw new UsageError(`${command}: --tpmstate backend-uri= is not supported: use dir=DIR`);
    if (values.has('mode')) mode = parseOctalMode('--tpmstate mode', values.get('mode')!);
    dir = values.get('dir') ?? null;
    if (!dir) throw new UsageError(`${command}: --tpmstate: give dir=DIR`);
  } else if (opts.useTpmPath && process.env.TPM_PATH) {
    dir = process.env.TPM_PATH;
  }
  const keyText = o.value('--key');
  const migrationText = o.value('--migration-key');
  const anchorText = o.value('--rollback-anchor');
  if (migrationText !== null && !opts.migration) throw new UsageError(`${command}: --migration-key applies to vtpm socket (the control channel moves state)`);
  if (dir === null && (keyText !== null || anchorText !== null)) throw new UsageError(`${command}: ${keyText !== null ? '--key' : '--rollback-anchor'} needs --tpmstate dir=DIR`);
  if (anchorText === null && o.has('--rollback-tcti')) throw new UsageError(`${command}: --rollback-tcti needs --rollback-anchor nv=INDEX`);
  return {
    dir,
    mode,
    key: keyText === null ? null : parseStateKeyOption(command, '--key', keyText),
    migrationKey: migrationText === null ? null : parseStateKeyOption(command, '--migration-key', migrationText),
    anchor: anchorText === null ? null : parseRollbackAnchor(command, anchorText, o.value('--rollback-tcti')),
  };
}
