import { randomBytes } from 'node:crypto';
import { Tpm, savePermanentState, saveVolatileState, type TpmOptions } from '@vtpm/tpm';
import { initTpm } from '../platform/tpmInit.js';
import { hashSequenceInProgress } from '../platform/drtmSequence.js';
import { LINEAGE_BYTES } from './stateEnvelope.js';
import { SerialQueue } from './serialQueue.js';
import { ShutdownTracker } from './shutdownTracker.js';
import { StateStore, type StoredTpmState } from './stateStore.js';
import { restoreFromPayloads } from './tpmRestore.js';

/** The permanent state at one moment: its generation and payload, and the TPM's change counter then. */
export interface PermanentSnapshot {
  lineage: Buffer;
  generation: bigint;
  payload: Buffer;
  version: number;
}

export interface KeeperOptions {
  store: StateStore;
  tpmOptions?: TpmOptions;
  /** Makes the TPM of an empty state directory (default: `new Tpm(tpmOptions)`, random seeds). */
  fresh?: () => Tpm | Promise<Tpm>;
  /** Resume a stored volatile state now (the TPM runs without waiting for CMD_INIT); it is then removed. */
  resumeVolatile: boolean;
}

/** How a keeper's TPM came about, for the server's start-up line. */
export interface KeeperStart {
  keeper: TpmStateKeeper;
  origin: 'fresh' | 'restored' | 'resumed';
  /** Things worth a log line (a stale volatile state removed). */
  notes: string[];
}

/**
 * Keeps a TPM and its stored state in step. With a state directory, every command that changed
 * the permanent state has it written (crash-safely, as the next generation) before its response
 * may go out: afterCommand() returns the promise to wait for. Writes are serialized; a write that
 * finds newer changes queued behind it lets them share one write. A failed write stops the keeper
 * (`failure`), so nothing is acknowledged that was not stored.
 */
export class TpmStateKeeper {
  /** The first write error; the TPM must not run on once its state could not be stored. */
  failure: Error | null = null;
  readonly shutdown = new ShutdownTracker();
  private readonly queue = new SerialQueue();
  /** The newest permanent state stored (or, without a directory, handed out). */
  private stored: PermanentSnapshot;
  /** The TPM's change counter at the newest capture, stored or still queued. */
  private capturedVersion: number;
  /** The newest capture waiting for its write, and that write (shared by later captures until it starts). */
  private queued: { payload: Buffer; version: number } | null = null;
  private queuedWrite: Promise<void> | null = null;
  /** Storage tasks submitted and not finished. */
  private outstanding = 0;
  /** The TPM, or null while hibernating (its volatile state then kept serialized). */
  private live: Tpm | null;
  private hibernatedVolatile: Buffer | null = null;
  /** Date.now() of the last use of the TPM, for idle detection. */
  lastUsed = Date.now();

  private constructor(
    tpm: Tpm,
    readonly store: StateStore,
    snapshot: PermanentSnapshot,
    private readonly tpmOptions: TpmOptions | undefined,
  ) {
    this.live = tpm;
    this.stored = snapshot;
    this.capturedVersion = snapshot.version;
  }

  /** The TPM; a hibernating one is restored on first use, exactly as it was. */
  get tpm(): Tpm {
    this.lastUsed = Date.now();
    if (!this.live) {
      this.live = restoreFromPayloads(this.stored.payload, this.hibernatedVolatile, this.tpmOptions);
      this.hibernatedVolatile = null;
    }
    return this.live;
  }

  get hibernating(): boolean {
    return this.live === null;
  }

  /**
   * Drops the live TPM and keeps its state serialized (a few kilobytes) until it is used again.
   * Declined (false) while anything would not survive: writes in progress, changes not captured,
   * a DRTM sequence, or loaded hash sequences (their hash states cannot be serialized).
   */
  hibernate(): boolean {
    const tpm = this.live;
    if (!tpm || this.outstanding > 0 || tpm.permanentStateVersion !== this.stored.version || hashSequenceInProgress(tpm)) return false;
    const volatile = saveVolatileState(tpm);
    try {
      if (restoreFromPayloads(this.stored.payload, volatile, this.tpmOptions).objects.count !== tpm.objects.count) return false;
    } catch {
      return false;
    }
    this.hibernatedVolatile = volatile;
    this.live = null;
    return true;
  }

  /**
   * A TPM whose state lives in this process only: captured when asked for (GET_STATEBLOB), never
   * written. A TPM restored into it (SET_STATEBLOB, INIT) keeps the first TPM's options (its clock source).
   */
  static inMemory(tpm: Tpm, tpmOptions: TpmOptions = tpm.options): TpmStateKeeper {
    const store = new StateStore({ files: null });
    store.lineage = randomBytes(LINEAGE_BYTES);
    // version -1: nothing captured yet, the first request captures generation 1
    return new TpmStateKeeper(tpm, store, { lineage: store.lineage, generation: 0n, payload: Buffer.alloc(0), version: -1 }, tpmOptions);
  }

  /**
   * Loads the stored state (refusing one that cannot be read, with a StateRefusal) or, when there is
   * none, makes a fresh TPM and writes it at once, so its seeds outlive this process.
   */
  static async start(opts: KeeperOptions): Promise<KeeperStart> {
    await opts.store.files?.lock.acquire();
    try {
      return await TpmStateKeeper.loadOrCreate(opts);
    } catch (e) {
      opts.store.files?.lock.release(); // refused: nothing of this directory stays in use
      throw e;
    }
  }

  private static async loadOrCreate(opts: KeeperOptions): Promise<KeeperStart> {
    const { store } = opts;
    const notes: string[] = [];
    const leftovers = store.files?.removeLeftovers() ?? 0;
    if (leftovers > 0) notes.push(`${leftovers} temporary file(s) of writes interrupted by a crash removed (the state files are whole)`);
    const loaded = await store.load();
    if (!loaded) {
      const tpm = opts.fresh ? await opts.fresh() : new Tpm(opts.tpmOptions);
      await store.begin();
      const payload = savePermanentState(tpm);
      const generation = await store.writePermanent(payload);
      const keeper = new TpmStateKeeper(tpm, store, { lineage: store.lineage!, generation, payload, version: tpm.permanentStateVersion }, opts.tpmOptions);
      return { keeper, origin: 'fresh', notes };
    }
    if (loaded.staleVolatile) {
      await store.removeVolatile();
      notes.push('a volatile state older than the permanent state was removed (the TPM was stopped uncleanly after it)');
    }
    const resume = opts.resumeVolatile && loaded.volatile !== null;
    const tpm = restoreFromPayloads(loaded.permanent, resume ? loaded.volatile!.payload : null, opts.tpmOptions);
    const keeper = new TpmStateKeeper(tpm, store, { lineage: loaded.lineage, generation: loaded.generation, payload: loaded.permanent, version: tpm.permanentStateVersion }, opts.tpmOptions);
    if (resume) {
      await store.removeVolatile(); // resumed once: a crash later must not bring back these PCRs
      keeper.afterResume(loaded.volatile!.shutDown);
    }
    return { keeper, origin: resume ? 'resumed' : 'restored', notes };
  }

  get durable(): boolean {
    return this.store.durable;
  }

  /**
   * To be awaited before a command's response is sent: the permanent state written when the
   * command changed it, the volatile state after an accepted TPM2_Shutdown, and any write still
   * in progress (the response may show its effect). Rejects when a write failed. Null when there
   * is nothing to wait for (no directory, nothing being written).
   */
  afterCommand(command: Buffer, response: Buffer): Promise<void> | null {
    const shutDown = this.shutdown.observe(command, response);
    if (!this.store.durable) return null;
    if (this.tpm.permanentStateVersion !== this.capturedVersion) void this.queuePermanent().catch(() => undefined);
    if (shutDown) void this.storeVolatile().catch(() => undefined);
    if (this.outstanding === 0) return this.failure ? Promise.reject(this.failure) : null;
    return this.settled();
  }

  /** Stores the permanent state if it changed outside a command (a Startup sent in-process before serving). */
  async persistChanges(): Promise<void> {
    if (this.store.durable && this.tpm.permanentStateVersion !== this.capturedVersion) await this.queuePermanent();
  }

  /** The permanent state now, with its generation (captured and, with a directory, written if it changed). */
  async permanentState(): Promise<PermanentSnapshot> {
    if (this.tpm.permanentStateVersion !== this.capturedVersion) await this.queuePermanent();
    await this.queue.idle();
    return this.stored;
  }

  /** The volatile state now, bound to the current permanent generation. */
  async volatileState(): Promise<{ lineage: Buffer; generation: bigint; payload: Buffer; shutDown: boolean }> {
    const permanent = await this.permanentState();
    return { lineage: permanent.lineage, generation: permanent.generation, payload: saveVolatileState(this.tpm), shutDown: this.shutdown.shutDown };
  }

  /** Writes the volatile state (CMD_STORE_VOLATILE, CMD_SHUTDOWN, a clean exit); without a directory nothing. */
  async storeVolatile(): Promise<void> {
    if (!this.store.durable) return;
    const volatile = saveVolatileState(this.tpm);
    const shutDown = this.shutdown.shutDown;
    if (this.tpm.permanentStateVersion !== this.capturedVersion) void this.queuePermanent();
    await this.guarded(() => this.store.writeVolatile(volatile, shutDown));
  }

  /** Removes the stored volatile state (CMD_INIT with DELETE_VOLATILE, GET_STATEBLOB volatile, as swtpm). */
  dropVolatile(): Promise<void> {
    return this.guarded(() => this.store.removeVolatile());
  }

  /** Everything queued is written (or has failed). */
  flush(): Promise<void> {
    return this.queue.idle();
  }

  /** Everything queued is written; rejects if a write failed. */
  private async settled(): Promise<void> {
    await this.queue.idle();
    if (this.failure) throw this.failure;
  }

  /**
   * CMD_INIT without new blobs: the state directory is read again and the TPM rebuilt from it,
   * resuming the stored volatile state when asked to. Either way the stored volatile state is
   * removed: resumed once, or discarded by a power-on. Without a directory the TPM only sees
   * _TPM_Init. Throws StateRefusal when the stored state is refused.
   */
  async reinitialize(resumeVolatile: boolean): Promise<void> {
    await this.flush();
    if (!this.store.durable) {
      initTpm(this.tpm);
      this.shutdown.shutDown = false;
      return;
    }
    await this.store.files!.lock.acquire(INIT_LOCK_RETRIES);
    const loaded = await this.store.load();
    if (!loaded) throw new Error('the state directory lost its permanent state');
    const volatile = resumeVolatile ? loaded.volatile : null;
    const tpm = restoreFromPayloads(loaded.permanent, volatile?.payload ?? null, this.tpmOptions);
    await this.store.removeVolatile();
    this.replaceTpm(tpm, { lineage: loaded.lineage, generation: loaded.generation, payload: loaded.permanent, version: tpm.permanentStateVersion });
    if (volatile) this.afterResume(volatile.shutDown);
    else initTpm(tpm);
  }

  /**
   * Makes a checked state from elsewhere (SET_STATEBLOB) this TPM: restored (StateRefusal if it
   * cannot be), then written at its own generation before the TPM runs.
   */
  async adopt(state: StoredTpmState): Promise<void> {
    await this.flush();
    await this.store.files?.lock.acquire(INIT_LOCK_RETRIES);
    await this.store.checkNotOlder(state);
    const tpm = restoreFromPayloads(state.permanent, state.volatile?.payload ?? null, this.tpmOptions);
    await this.guarded(() => this.store.adopt(state));
    this.replaceTpm(tpm, { lineage: state.lineage, generation: state.generation, payload: state.permanent, version: tpm.permanentStateVersion });
    if (state.volatile) this.afterResume(state.volatile.shutDown);
    else initTpm(tpm);
  }

  private replaceTpm(tpm: Tpm, snapshot: PermanentSnapshot): void {
    this.live = tpm;
    this.hibernatedVolatile = null;
    this.stored = snapshot;
    this.capturedVersion = snapshot.version;
    this.queued = null;
    this.failure = null;
    this.shutdown.shutDown = false;
  }

  /** A resumed TPM that had been shut down (TPM2_Shutdown) continues as after the power cycle that announced. */
  private afterResume(shutDown: boolean): void {
    if (shutDown) initTpm(this.tpm);
  }

  /** Captures the permanent state now and queues its write; writes queued behind a running one are merged. */
  private queuePermanent(): Promise<void> {
    const version = this.tpm.permanentStateVersion;
    this.queued = { payload: savePermanentState(this.tpm), version };
    this.capturedVersion = version;
    this.queuedWrite ??= this.guarded(async () => {
      const queued = this.queued;
      this.queued = null;
      this.queuedWrite = null;
      if (!queued) return; // the TPM was replaced (CMD_INIT) before this write began
      const { payload, version } = queued;
      const generation = await this.store.writePermanent(payload);
      this.stored = { lineage: this.store.lineage!, generation, payload, version };
    });
    return this.queuedWrite;
  }

  /** Runs a storage task in order; its failure stops the keeper. */
  private guarded(task: () => Promise<void>): Promise<void> {
    this.outstanding++;
    return this.queue.run(async () => {
      try {
        if (this.failure) throw this.failure;
        await task();
      } catch (e) {
        this.failure ??= e as Error;
        throw e;
      } finally {
        this.outstanding--;
      }
    });
  }
}

/** swtpm tries to take the storage lock for 1 s when the TPM is initialised (100 tries, 10 ms apart). */
const INIT_LOCK_RETRIES = 100;
