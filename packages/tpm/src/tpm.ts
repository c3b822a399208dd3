import { HR, TPM_RH, handleTypeOf } from './constants/handles.js';
import { TPM_HT } from './constants/handles.js';
import { TPM_RC } from './constants/rc.js';
import { TPM_SU } from './constants/types.js';
import { TpmError, fail } from './errors.js';
import { RandomSource } from './crypto/randomSource.js';
import { LATEST_RSA_PRIME_SEARCH, isRsaPrimeSearch, type RsaPrimeSearch } from './crypto/rsaPrimeSearch.js';
import { PcrBanks } from './pcr/pcrBanks.js';
import { SessionTable } from './sessions/sessionTable.js';
import { ObjectTable, type TransientObject } from './objects/objectTable.js';
import { TpmClock } from './state/clock.js';
import { execute } from './pipeline/execute.js';
import { Hierarchies } from './state/hierarchies.js';
import { NvStore } from './nv/nvStore.js';
import { PersistentObjects } from './objects/persistentObjects.js';
import { DictionaryAttack } from './state/dictionaryAttack.js';
import { hmac } from './crypto/hashAlgorithms.js';
import { TPM_ALG } from './constants/alg.js';
import { AlgorithmSelfTests } from './capability/algorithmSelfTests.js';
import { ContextState } from './context/contextState.js';
import { CommandAudit } from './audit/commandAudit.js';
import { restoreTpm, saveVolatileState, savePermanentState } from './state/tpmState.js';
import { applyResetData, captureResetData, type ResetData } from './state/resetData.js';

/** Hash of ticket HMACs (the reference's CONTEXT_INTEGRITY_HASH_ALG). */
const TICKET_HASH = TPM_ALG.SHA512;

export interface TpmOptions {
  /** Fixed seed: the RNG, hierarchy seeds and every generated key become reproducible (test vectors). */
  seed?: Uint8Array;
  /** Millisecond time source (tests can drive the clock). */
  now?: () => number;
  /**
   * Start powered and initialized (_TPM_Init done), waiting for TPM2_Startup, as swtpm with
   * `--flags not-need-init`. Default true; the mssim transport powers it through its platform port.
   */
  initialized?: boolean;
  /**
   * The RSA prime search of seed-derived keys (crypto/rsaPrimeSearch.ts) of a newly manufactured
   * TPM; default the latest (2). Tests and tools that need the keys a fixed seed gave with the
   * first method pass 1. A restored TPM ignores this: it keeps the method of its permanent blob.
   */
  rsaPrimeSearch?: RsaPrimeSearch;
}

/** What Shutdown(STATE) preserved for a later TPM Resume or TPM Restart (the reference writes it to NV). */
export interface SavedState {
  pcrs: ReturnType<PcrBanks['snapshot']>;
  resetData: ResetData;
}

/** Startup bookkeeping that state blobs carry. */
export interface StartupRecord {
  initPending: boolean;
  shutdownType: number | null;
  savedState: SavedState | null;
}

/**
 * A TPM 2.0 device: bytes in, bytes out. All state lives here; the command pipeline
 * (`execute`) and the handlers operate on it.
 */
export class Tpm {
  readonly pcrs = new PcrBanks();
  readonly sessions = new SessionTable();
  readonly objects = new ObjectTable();
  readonly persistent = new PersistentObjects();
  readonly nv = new NvStore(() => this.persistent.handles().length);
  readonly da = new DictionaryAttack(() => this.clock.time);
  /** Context-management counters and kept sequence states (ContextSave / ContextLoad). */
  readonly contexts = new ContextState();
  /** Command audit: audited commands, audit hash, counter and digest (GetCommandAuditDigest). */
  readonly commandAudit = new CommandAudit();
  readonly random: RandomSource;
  readonly clock: TpmClock;

  /** Powered (mssim POWER_ON); commands to an unpowered TPM are not answered by transports. */
  powered = true;
  /** _TPM_Init happened and Startup has not yet been accepted since. */
  private initPending: boolean;
  /** Startup was accepted since the last _TPM_Init. */
  started = false;
  /**
   * Shutdown type of the last orderly shutdown since Startup, or null when none. A freshly
   * manufactured TPM counts as shut down orderly (TPM_SU_CLEAR), as in the reference.
   */
  private shutdownType: number | null = TPM_SU.CLEAR;
  /** The last Startup followed an orderly Shutdown (TPMA_STARTUP_CLEAR.orderly). */
  orderlyStartup = false;
  /** Clock at the last unorderly Startup, until Clock is safe again (TPMS_CLOCK_INFO.safe); null when safe. */
  clockUnsafeSince: bigint | null = null;
  private savedState: SavedState | null = null;

  /** Seeds, proofs, authValues, policies and enables of the hierarchies. */
  readonly hierarchies: Hierarchies;
  /** Hierarchy authValues (Part 1, 13.8); empty by default. */
  get hierarchyAuth(): Map<number, Buffer> {
    return this.hierarchies.auth;
  }
  /** PCR authValues (PCR_SetAuthValue); empty. */
  readonly pcrAuth = new Map<number, Buffer>();

  resetCount = 0;
  restartCount = 0;
  /** Self test has been run (SelfTest / IncrementalSelfTest / implicit). */
  selfTested = false;
  /** Algorithms whose self test is still due (IncrementalSelfTest's toDoList). */
  readonly selfTests = new AlgorithmSelfTests();

  /** Platform inputs (the mssim platform port's signals): physical presence, cancel, NV available. */
  readonly platform = { physicalPresence: false, cancel: false, nvAvailable: true };
  private established = false;
  /** TPM_ACCESS.tpmEstablishment (PC Client PTP): set by _TPM_Hash_Start, reset only from locality 3 or 4. Permanent. */
  get tpmEstablished(): boolean {
    return this.established;
  }
  set tpmEstablished(v: boolean) {
    if (v !== this.established) this.permanentStateVersion++;
    this.established = v;
  }
  /** PCR 0 per bank as an H-CRTM sequence (_TPM_Hash_End before Startup) left it; the next Startup(CLEAR) keeps it. */
  hcrtmPcrs: Map<number, Buffer[]> | null = null;

  /**
   * Counts changes of the permanent state (savePermanentState): a persistence layer writes the
   * permanent blob when it moved. Bumped by the pipeline after commands that may change it.
   */
  permanentStateVersion = 0;

  /**
   * How RSA primes of seed-derived keys are searched: set when the TPM is manufactured
   * (`TpmOptions.rsaPrimeSearch`, default the latest) and kept for its whole life, across save
   * and restore, TPM2_Clear, ChangeEPS and ChangePPS, so that its primaries (an EK and its
   * certificate) stay the same keys. A restored version-1 state has method 1.
   */
  readonly rsaPrimeSearch: RsaPrimeSearch;

  constructor(readonly options: TpmOptions = {}) {
    this.random = new RandomSource(options.seed);
    this.clock = new TpmClock(options.now);
    this.initPending = options.initialized ?? true;
    this.hierarchies = new Hierarchies(this.random);
    const search = options.rsaPrimeSearch ?? LATEST_RSA_PRIME_SEARCH;
    if (!isRsaPrimeSearch(search)) throw new RangeError(`unknown RSA prime search method ${String(search)}`);
    this.rsaPrimeSearch = search;
  }

  /** The permanent and volatile state blobs (docs/state.md). */
  save(): { permanent: Buffer; volatile: Buffer } {
    return { permanent: savePermanentState(this), volatile: saveVolatileState(this) };
  }

  /** A TPM rebuilt from `save()` blobs; without `volatile`, as after a power cycle (needs Startup). */
  static restore(blobs: { permanent: Buffer; volatile?: Buffer | null }, options?: TpmOptions): Tpm {
    return restoreTpm(blobs, options);
  }

  /** Startup bookkeeping for state blobs (state/tpmState.ts). */
  get startupRecord(): StartupRecord {
    return { initPending: this.initPending, shutdownType: this.shutdownType, savedState: this.savedState };
  }
  set startupRecord(r: StartupRecord) {
    this.initPending = r.initPending;
    this.shutdownType = r.shutdownType;
    this.savedState = r.savedState;
  }

  /** HMAC over a ticket's tag and digest with the hierarchy proof (HashCheck, Verified, Auth tickets). */
  ticketHmac(hierarchy: number, tag: number, ...parts: Buffer[]): Buffer {
    const t = Buffer.alloc(2);
    t.writeUInt16BE(tag);
    return hmac(TICKET_HASH, this.hierarchies.proof(hierarchy), t, ...parts);
  }

  /** Runs one command. Never throws: every failure is a TPM response. */
  execute(command: Buffer, locality = 0): Buffer {
    return execute(this, command, locality);
  }

  /** _TPM_Init (power-on or platform reset): volatile state goes, Startup is required. */
  init(): void {
    this.initPending = true;
    this.started = false;
    this.selfTests.reset();
    this.selfTested = false;
    this.hcrtmPcrs = null;
    this.clock.init();
  }

  /** TPM2_Startup semantics (Part 1, 12.2.2): TPM Reset, TPM Restart or TPM Resume. */
  startup(type: number, locality: number): void {
    // PC Client: Startup comes from locality 0 or from the H-CRTM at locality 3 (libtpms: TPM_RC_LOCALITY otherwise).
    if (locality !== 0 && locality !== 3) fail(TPM_RC.LOCALITY, 'Startup from a locality other than 0 or 3');
    if (!this.initPending) fail(TPM_RC.INITIALIZE, 'Startup already done; needs _TPM_Init first');
    if (type === TPM_SU.STATE && (this.shutdownType !== TPM_SU.STATE || !this.savedState)) {
      // Resume without a saved state: the TPM stays uninitialized, as the reference does.
      throw new TpmError(TPM_RC.VALUE, 'Startup(STATE) without a preceding Shutdown(STATE)').forParameter(1);
    }
    this.orderlyStartup = this.shutdownType !== null;
    if (!this.orderlyStartup) this.clockUnsafeSince = this.clock.clock;
    const resume = type === TPM_SU.STATE;
    const restart = type === TPM_SU.CLEAR && this.shutdownType === TPM_SU.STATE;
    // What Shutdown(STATE) saved is what the TPM continues with, as the reference reads it back from NV.
    if ((resume || restart) && this.savedState) applyResetData(this, this.savedState.resetData);
    // Loaded sessions live in RAM and go at _TPM_Init; saved session contexts survive Restart and Resume.
    if (resume || restart) this.sessions.dropLoaded();
    else this.sessions.clear();
    if (resume) {
      this.pcrs.resetAll(locality, this.savedState!.pcrs);
      this.restartCount++;
    } else {
      this.pcrs.resetAll(locality, this.hcrtmPcrs ?? undefined);
      this.hcrtmPcrs = null;
      if (restart) this.restartCount++;
      else {
        this.resetCount++;
        this.restartCount = 0;
        this.hierarchies.reset();
        this.commandAudit.restart(); // the audit digest does not survive a TPM Reset
      }
    }
    this.nv.startup(resume ? 'resume' : restart ? 'restart' : 'reset', this.orderlyStartup);
    this.hierarchies.startup(resume);
    this.contexts.startup(resume ? 'resume' : restart ? 'restart' : 'reset');
    this.da.startup(this.orderlyStartup);
    this.objects.clear();
    this.initPending = false;
    this.started = true;
    this.shutdownType = null;
    this.savedState = null;
  }

  /** TPM2_Shutdown: record an orderly shutdown; STATE also saves what Startup(STATE) restores. */
  shutdown(type: number): void {
    // A pending PCR_Allocate cannot survive a resume (Part 3, 9.4: TPM_RC_TYPE).
    if (type === TPM_SU.STATE && this.pcrs.reconfigured) throw new TpmError(TPM_RC.TYPE, 'PCR_Allocate since the last TPM Reset').forParameter(1);
    this.shutdownType = type;
    this.nv.shutdown();
    this.savedState = type === TPM_SU.STATE ? { pcrs: this.pcrs.snapshot(), resetData: captureResetData(this) } : null;
  }

  /** The authValue of an entity (hierarchy, PCR, object); TPM_RC_HANDLE when there is none. */
  authValueOf(handle: number): Buffer {
    switch (handleTypeOf(handle)) {
      case TPM_HT.PCR:
        return this.pcrAuth.get(handle) ?? Buffer.alloc(0);
      case TPM_HT.PERMANENT:
        return this.hierarchyAuth.get(handle) ?? Buffer.alloc(0);
      case TPM_HT.TRANSIENT:
      case TPM_HT.PERSISTENT:
        return this.objectAt(handle).authValue;
      case TPM_HT.NV_INDEX:
        return (this.nv.get(handle) ?? fail(TPM_RC.HANDLE)).authValue;
      default:
        return fail(TPM_RC.HANDLE);
    }
  }

  /** The Name of an entity for cpHash (Part 1, 16): the handle itself for PCRs, permanent handles and sessions. */
  nameOf(handle: number): Buffer {
    const t = handleTypeOf(handle);
    if (t === TPM_HT.TRANSIENT || t === TPM_HT.PERSISTENT) return this.objectAt(handle).name(handle);
    if (t === TPM_HT.NV_INDEX) return (this.nv.get(handle) ?? fail(TPM_RC.HANDLE)).name();
    const b = Buffer.alloc(4);
    b.writeUInt32BE(handle);
    return b;
  }

  /** Checks that a handle from the handle area refers to something that exists (Part 3, 5.4). */
  checkHandleExists(handle: number): void {
    switch (handleTypeOf(handle)) {
      // Not-loaded transients and sessions are warnings (TPM_RC_REFERENCE_H0 + handle index, added by the pipeline).
      case TPM_HT.TRANSIENT:
        if (!this.objects.get(handle)) fail(TPM_RC.REFERENCE_H0, 'no object loaded at this handle');
        return;
      case TPM_HT.HMAC_SESSION:
      case TPM_HT.POLICY_SESSION:
        if (!this.sessions.get(handle)) fail(TPM_RC.REFERENCE_H0, 'no such session');
        return;
      case TPM_HT.PERSISTENT:
        this.persistent.checkUsable(handle, this);
        return;
      case TPM_HT.PERMANENT:
        this.hierarchies.checkHandleEnabled(handle);
        return;
      case TPM_HT.NV_INDEX:
        if (!this.nv.isAccessible(handle, this.hierarchies)) fail(TPM_RC.HANDLE, 'NV index not defined or its hierarchy disabled');
        return;
      default:
        return;
    }
  }

  /** The object (key, data or sequence) a transient or persistent handle refers to; TPM_RC_HANDLE when none. */
  objectAt(handle: number): TransientObject {
    const obj = handleTypeOf(handle) === TPM_HT.PERSISTENT ? this.persistent.get(handle) : this.objects.get(handle);
    return obj ?? fail(TPM_RC.HANDLE, 'no object at this handle');
  }

  /** Permanent handles other than lockout are exempt from dictionary-attack protection, like PCRs. */
  isDaExempt(handle: number): boolean {
    const t = handleTypeOf(handle);
    if (t === TPM_HT.PCR) return true;
    if (t === TPM_HT.PERMANENT) return handle !== TPM_RH.LOCKOUT;
    if (t === TPM_HT.NV_INDEX) return this.nv.get(handle)?.noDA ?? false;
    const obj = t === TPM_HT.PERSISTENT ? this.persistent.get(handle) : this.objects.get(handle);
    // sequences have no attributes and are treated as noDA; keys say so in TPMA_OBJECT
    return !!obj && (obj.kind !== 'object' || (obj as TransientObject & { has(a: 'noDA'): boolean }).has('noDA'));
  }
}
