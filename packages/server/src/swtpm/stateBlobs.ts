import { BLOB_NAMES, BLOB_TYPE, isBlobType, type BlobType } from '../persistence/blobType.js';
import { openState, sealForMigration, sealState, type OpenedState, type StateContent } from '../persistence/stateEnvelope.js';
import type { StateKey } from '../persistence/stateKey.js';
import { StateRefusal } from '../persistence/stateRefusal.js';
import type { StoredTpmState } from '../persistence/stateStore.js';
import type { TpmStateKeeper } from '../persistence/tpmStateKeeper.js';

/** The keys blobs are sealed with: the state-file key (--key) and the migration key (--migration-key). */
export interface StateBlobKeys {
  stateKey: StateKey | null;
  migrationKey: StateKey | null;
}

/**
 * GET_STATEBLOB: the TPM's blob of `type` now, as swtpm layers it: sealed with the state key unless
 * the caller asked for it decrypted (then `encrypted` is false), and with the migration key around
 * it when one is configured. TPM 2 keeps Shutdown(STATE) data in its permanent state, so the
 * savestate blob carries no payload; it exists so that a migration moves three checked blobs.
 */
export async function exportStateBlob(keeper: TpmStateKeeper, keys: StateBlobKeys, type: BlobType, decrypted: boolean): Promise<{ blob: Buffer; encrypted: boolean }> {
  let content: StateContent;
  if (type === BLOB_TYPE.volatile) {
    const v = await keeper.volatileState();
    content = { type, lineage: v.lineage, generation: v.generation, shutDown: v.shutDown, payload: v.payload };
  } else {
    const p = await keeper.permanentState();
    content = { type, lineage: p.lineage, generation: p.generation, shutDown: false, payload: type === BLOB_TYPE.permanent ? p.payload : Buffer.alloc(0) };
  }
  const stateKey = decrypted ? null : keys.stateKey;
  const blob = keys.migrationKey ? sealForMigration(content, stateKey, keys.migrationKey) : sealState(content, stateKey);
  return { blob, encrypted: stateKey !== null };
}

/**
 * SET_STATEBLOB: opens a blob with the configured keys; throws StateRefusal. With a migration key
 * configured only blobs sealed with it are taken (swtpm also takes plain ones; vtpm refuses state
 * that anyone could have written). The ENCRYPTED flag must not claim a seal the blob lacks.
 */
export function importStateBlob(keys: StateBlobKeys, type: BlobType, blob: Buffer, encryptedFlag: boolean): OpenedState {
  const opened = openState(blob, { stateKey: keys.stateKey, migrationKey: keys.migrationKey, require: keys.migrationKey ? 'migration' : null });
  if (opened.type !== type) throw new StateRefusal('wrong-blob-type', `a ${BLOB_NAMES[opened.type]} blob sent as the ${BLOB_NAMES[type]} blob`);
  if (encryptedFlag && opened.sealedWith !== 'state') throw new StateRefusal('not-encrypted', 'the ENCRYPTED flag is set, but the blob is not sealed with a state key');
  return opened;
}

/**
 * Blobs received by SET_STATEBLOB since the TPM stopped, for the next CMD_INIT. A refused blob is
 * remembered, so that INIT refuses to start rather than run a TPM without it.
 */
export class PendingStateBlobs {
  private readonly blobs = new Map<BlobType, OpenedState>();
  private readonly refused = new Map<BlobType, StateRefusal>();

  get empty(): boolean {
    return this.blobs.size === 0 && this.refused.size === 0;
  }

  accept(type: BlobType, blob: OpenedState): void {
    this.blobs.set(type, blob);
    this.refused.delete(type);
  }

  refuse(type: BlobType, refusal: StateRefusal): void {
    this.blobs.delete(type);
    this.refused.set(type, refusal);
  }

  /** An empty SET_STATEBLOB: forget the blob of that type. */
  clear(type: BlobType): void {
    this.blobs.delete(type);
    this.refused.delete(type);
  }

  reset(): void {
    this.blobs.clear();
    this.refused.clear();
  }

  /**
   * The state to start from: the permanent blob received (or the TPM's own, when only a volatile
   * one came), with the volatile state if one came; throws a StateRefusal for a refused blob or
   * blobs that do not belong together.
   */
  async take(keeper: TpmStateKeeper): Promise<StoredTpmState> {
    const refusal = this.refused.values().next().value;
    if (refusal) throw refusal;
    const received = this.blobs.get(BLOB_TYPE.permanent);
    const permanent = received ?? (await keeper.permanentState());
    for (const type of [BLOB_TYPE.volatile, BLOB_TYPE.savestate] as const) {
      const blob = this.blobs.get(type);
      if (blob && (!blob.lineage.equals(permanent.lineage) || blob.generation !== permanent.generation)) {
        throw new StateRefusal('inconsistent', `the ${BLOB_NAMES[type]} blob (generation ${blob.generation}) does not belong to the permanent state (generation ${permanent.generation})`);
      }
    }
    const volatile = this.blobs.get(BLOB_TYPE.volatile);
    return { lineage: permanent.lineage, generation: permanent.generation, permanent: permanent.payload, volatile: volatile ? { payload: volatile.payload, shutDown: volatile.shutDown } : null };
  }
}

export { isBlobType };
