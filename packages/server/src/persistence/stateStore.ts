import { randomBytes } from 'node:crypto';
import { BLOB_NAMES, BLOB_TYPE, type BlobType } from './blobType.js';
import { LINEAGE_BYTES, openState, sealState, type OpenedState } from './stateEnvelope.js';
import type { StateFiles } from './stateFiles.js';
import type { StateKey } from './stateKey.js';
import type { RollbackAnchor } from './rollbackAnchor.js';
import { StateRefusal } from './stateRefusal.js';

/** A TPM's state as stored: the permanent payload and, when it should resume, the volatile one. */
export interface StoredTpmState {
  lineage: Buffer;
  generation: bigint;
  permanent: Buffer;
  volatile: { payload: Buffer; shutDown: boolean } | null;
}

/** What `load()` found: the state, and a volatile file that belonged to an older permanent state. */
export interface LoadedState extends StoredTpmState {
  staleVolatile: boolean;
}

export interface StateStoreOptions {
  /** The directory; null keeps nothing on disk (a TPM whose state lives in this process only). */
  files: StateFiles | null;
  /** `--key`: the files are sealed with it, and unsealed files are refused. */
  stateKey?: StateKey | null;
  /** Where the newest generation is recorded outside the directory. */
  anchor?: RollbackAnchor | null;
}

/**
 * The generations of one TPM's state: each permanent state written gets the next generation, the
 * rollback anchor follows each write, and a state older than what was seen (or anchored) is
 * refused. Writes must not overlap (the caller serializes them).
 */
export class StateStore {
  /** Names the vTPM across its moves; null until a state is loaded or begun. */
  lineage: Buffer | null = null;
  /** Generation of the newest permanent state written or loaded. */
  generation = 0n;
  readonly files: StateFiles | null;
  readonly stateKey: StateKey | null;
  private readonly anchor: RollbackAnchor | null;

  constructor(opts: StateStoreOptions) {
    this.files = opts.files;
    this.stateKey = opts.stateKey ?? null;
    this.anchor = opts.anchor ?? null;
  }

  get durable(): boolean {
    return this.files !== null;
  }

  /**
   * Reads and checks the state in the directory; null when there is none (a fresh TPM, as swtpm
   * starts with an empty directory). Throws StateRefusal naming the file; writes nothing.
   */
  async load(): Promise<LoadedState | null> {
    const files = this.files;
    if (!files) return null;
    const permanentBytes = files.read(BLOB_TYPE.permanent);
    if (!permanentBytes) {
      if (files.exists(BLOB_TYPE.volatile)) throw new StateRefusal('inconsistent', `${files.path(BLOB_TYPE.volatile)}: a volatile state without its permanent state ${files.path(BLOB_TYPE.permanent)}`);
      return null;
    }
    const permanent = this.openFile(BLOB_TYPE.permanent, permanentBytes);
    const floor = await this.anchorFloor();
    if (permanent.generation < floor) {
      throw new StateRefusal('older-generation', `older generation: ${permanent.generation} is below the anchored generation ${floor} (an old copy put back?)`).about(files.path(BLOB_TYPE.permanent));
    }
    if (this.lineage?.equals(permanent.lineage) && permanent.generation < this.generation) {
      throw new StateRefusal('older-generation', `older generation: ${permanent.generation}, this process already wrote generation ${this.generation}`).about(files.path(BLOB_TYPE.permanent));
    }
    if (permanent.generation > floor) await this.anchor?.advance(permanent.generation); // written, then interrupted before the anchor followed
    this.lineage = permanent.lineage;
    this.generation = permanent.generation;
    const volatileBytes = files.read(BLOB_TYPE.volatile);
    const volatile = volatileBytes ? this.openFile(BLOB_TYPE.volatile, volatileBytes) : null;
    const belongs = volatile !== null && this.belongsToCurrent(volatile);
    return {
      lineage: permanent.lineage,
      generation: permanent.generation,
      permanent: permanent.payload,
      volatile: belongs ? { payload: volatile.payload, shutDown: volatile.shutDown } : null,
      staleVolatile: volatile !== null && !belongs,
    };
  }

  /** A new lineage for a fresh TPM; its first state comes after the anchor's generation. */
  async begin(): Promise<void> {
    this.lineage = randomBytes(LINEAGE_BYTES);
    this.generation = await this.anchorFloor();
  }

  /** Writes the next generation of the permanent state, then moves the anchor to it. */
  async writePermanent(payload: Buffer): Promise<bigint> {
    const generation = this.generation + 1n;
    await this.writeBlob(BLOB_TYPE.permanent, generation, payload, false);
    await this.anchor?.advance(generation);
    this.generation = generation;
    return generation;
  }

  /** Writes the volatile state of the current generation (resumed at the next start). */
  writeVolatile(payload: Buffer, shutDown: boolean): Promise<void> {
    return this.writeBlob(BLOB_TYPE.volatile, this.generation, payload, shutDown);
  }

  async removeVolatile(): Promise<void> {
    await this.files?.remove(BLOB_TYPE.volatile);
  }

  /** Refuses a state from elsewhere (SET_STATEBLOB) that is older than this vTPM's or the anchor's. */
  async checkNotOlder(incoming: { lineage: Buffer; generation: bigint }): Promise<void> {
    if (this.lineage?.equals(incoming.lineage) && incoming.generation < this.generation) {
      throw new StateRefusal('older-generation', `older generation: ${incoming.generation}, this vTPM is already at generation ${this.generation}`);
    }
    const floor = await this.anchorFloor();
    if (incoming.generation < floor) throw new StateRefusal('older-generation', `older generation: ${incoming.generation} is below the anchored generation ${floor}`);
  }

  /** Makes a checked state from elsewhere the current one: written at its own generation. */
  async adopt(state: StoredTpmState): Promise<void> {
    await this.checkNotOlder(state);
    await this.writeBlob(BLOB_TYPE.permanent, state.generation, state.permanent, false, state.lineage);
    await this.removeVolatile();
    await this.anchor?.advance(state.generation);
    this.lineage = state.lineage;
    this.generation = state.generation;
  }

  /** Opens a blob of this vTPM's directory with the state key (which it must be sealed with, if configured). */
  private openFile(type: BlobType, bytes: Buffer): OpenedState {
    const where = this.files!.path(type);
    try {
      const opened = openState(bytes, { stateKey: this.stateKey, require: this.stateKey ? 'state' : null });
      if (opened.type !== type) throw new StateRefusal('wrong-blob-type', `holds a ${BLOB_NAMES[opened.type]} state, not a ${BLOB_NAMES[type]} one`);
      return opened;
    } catch (e) {
      throw e instanceof StateRefusal ? e.about(where) : e;
    }
  }

  private belongsToCurrent(blob: OpenedState): boolean {
    return this.lineage !== null && blob.lineage.equals(this.lineage) && blob.generation === this.generation;
  }

  private async writeBlob(type: BlobType, generation: bigint, payload: Buffer, shutDown: boolean, lineage = this.lineage): Promise<void> {
    if (!this.files) return;
    this.files.lock.tryAcquire(); // released after a migration (GET_STATEBLOB savestate): take it back or fail
    if (!lineage) throw new Error('StateStore: no lineage (load() or begin() first)');
    await this.files.write(type, sealState({ type, lineage, generation, shutDown, payload }, this.stateKey));
  }

  /** The anchored generation; an anchor never used is started first (a TPM counter may jump on its first increment). */
  private async anchorFloor(): Promise<bigint> {
    if (!this.anchor) return 0n;
    let value = await this.anchor.read();
    if (value === 0n) {
      await this.anchor.advance(1n);
      value = await this.anchor.read();
    }
    return value;
  }
}
