import { StateFiles, StateRefusal, StateStore, StorageLockError, TpmStateKeeper, type KeeperStart, type StateKey } from '@vtpm/server';
import type { Tpm } from '@vtpm/tpm';
import type { TpmStateOptions } from '../args/tpmStateOptions.js';
import { CommandFailure } from './commandFailure.js';
import { openRollbackAnchor } from './rollbackAnchorSetup.js';
import { prepareStateDir } from './stateDir.js';
import { loadStateKey } from './stateKeyFile.js';

/** A served TPM and its keys, ready for a server. */
export interface ServedState extends KeeperStart {
  migrationKey: StateKey | null;
}

/**
 * The TPM a server starts with: loaded from the state directory (its volatile state resumed when
 * `resumeVolatile`), or `fresh()` when the directory holds none, written there at once. A state
 * that cannot be read, decrypted or trusted is a one-line failure (exit code 1), never a blank TPM.
 */
export async function openServedState(command: string, opts: TpmStateOptions, how: { resumeVolatile: boolean; fresh: () => Tpm | Promise<Tpm> }): Promise<ServedState> {
  const migrationKey = opts.migrationKey ? loadStateKey(command, opts.migrationKey) : null;
  if (opts.dir === null) return { keeper: TpmStateKeeper.inMemory(await how.fresh()), origin: 'fresh', notes: [], migrationKey };
  prepareStateDir(opts.dir);
  const stateKey = opts.key ? loadStateKey(command, opts.key) : null;
  const anchor = opts.anchor ? await openRollbackAnchor(command, opts.anchor) : null;
  const store = new StateStore({ files: new StateFiles(opts.dir, opts.mode), stateKey, anchor });
  try {
    return { ...(await TpmStateKeeper.start({ store, resumeVolatile: how.resumeVolatile, fresh: how.fresh })), migrationKey };
  } catch (e) {
    if (e instanceof StateRefusal) throw new CommandFailure(`${command}: refusing to start: ${e.message}`);
    if (e instanceof StorageLockError) throw new CommandFailure(`${command}: --tpmstate dir=${opts.dir}: ${e.message}`);
    throw e;
  }
}

/** How the listening line describes the TPM's origin. */
export function describeOrigin(state: KeeperStart, dir: string | null): string {
  if (dir === null) return '';
  const generation = state.keeper.store.generation;
  const what = { fresh: 'new TPM', restored: 'TPM restored', resumed: 'TPM resumed' }[state.origin];
  return `; ${what} in ${dir} (generation ${generation})`;
}
