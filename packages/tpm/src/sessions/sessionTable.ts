import { HR } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TPM_SE } from '../constants/types.js';
import { fail } from '../errors.js';
import type { AuthSession } from './authSession.js';

/** Loaded-session limit of swtpm/libtpms (MAX_LOADED_SESSIONS); tools see TPM_RC_SESSION_MEMORY beyond it. */
export const MAX_LOADED_SESSIONS = 3;
/** Active sessions, loaded or context-saved (MAX_ACTIVE_SESSIONS). */
export const MAX_ACTIVE_SESSIONS = 64;
/** Largest distance between the oldest saved session and the context counter (a 16-bit CONTEXT_SLOT). */
const MAX_CONTEXT_GAP = 1n << 16n;

const SLOT_MASK = 0x00ffffff;

type Slot = { readonly state: 'loaded'; readonly session: AuthSession } | { readonly state: 'saved'; readonly sequence: bigint; readonly handle: number };

/**
 * Session slots (Part 1, context management; the reference's contextArray). A session's handle is its range base
 * plus its slot number; the slot stays taken while the session is context-saved, so an active
 * session keeps its handle. Saved sessions carry the context sequence number that ContextLoad
 * must present; the gap between the oldest saved session and the counter is bounded.
 */
export class SessionTable {
  private slots: (Slot | undefined)[] = new Array(MAX_ACTIVE_SESSIONS);
  private contextCounter = BigInt(MAX_LOADED_SESSIONS + 1);
  /** The session that has been the only audit session since it became one (TPMA_SESSION.auditExclusive). */
  exclusiveAudit: number | null = null;

  get loadedCount(): number {
    return this.slots.filter((s) => s?.state === 'loaded').length;
  }

  /** Loaded and saved sessions. */
  get activeCount(): number {
    return this.slots.filter(Boolean).length;
  }

  /** Picks a free handle for a new session of `type`, or fails as SessionCreate does. */
  allocateHandle(type: number): number {
    if (this.loadedCount >= MAX_LOADED_SESSIONS) fail(TPM_RC.SESSION_MEMORY);
    // Taking the last loaded slot must leave a way to save the oldest context.
    if (this.loadedCount === MAX_LOADED_SESSIONS - 1 && this.gapIsFull()) fail(TPM_RC.CONTEXT_GAP);
    const slot = this.slots.findIndex((s) => !s);
    if (slot < 0) fail(TPM_RC.SESSION_HANDLES);
    return (type === TPM_SE.HMAC ? HR.HMAC_SESSION : HR.POLICY_SESSION) + slot;
  }

  add(session: AuthSession): void {
    this.slots[session.handle & SLOT_MASK] = { state: 'loaded', session };
  }

  /** The loaded session with exactly this handle. */
  get(handle: number): AuthSession | undefined {
    const s = this.loadedInSlot(handle);
    return s && s.handle === handle ? s : undefined;
  }

  /** The loaded session in the slot of this handle, whatever its type (to tell REFERENCE from HANDLE errors). */
  loadedInSlot(handle: number): AuthSession | undefined {
    const s = this.slots[handle & SLOT_MASK];
    return s?.state === 'loaded' ? s.session : undefined;
  }

  isSaved(handle: number): boolean {
    const s = this.slots[handle & SLOT_MASK];
    return s?.state === 'saved' && s.handle === handle;
  }

  /** FlushContext of a loaded or saved session. */
  remove(handle: number): boolean {
    if (!this.get(handle) && !this.isSaved(handle)) return false;
    this.slots[handle & SLOT_MASK] = undefined;
    if (this.exclusiveAudit === handle) this.exclusiveAudit = null;
    return true;
  }

  /** Handles of loaded sessions, by slot. */
  handles(): number[] {
    return this.slots.flatMap((s) => (s?.state === 'loaded' ? [s.session.handle] : []));
  }

  /** Handles of context-saved sessions, by slot, in the HMAC range as GetCapability reports them. */
  savedHandles(): number[] {
    return this.slots.flatMap((s, i) => (s?.state === 'saved' ? [HR.HMAC_SESSION + i] : []));
  }

  /** ContextSave: the session leaves memory, keeps its slot; returns the context sequence number. */
  save(handle: number): bigint {
    const session = this.get(handle) ?? fail(TPM_RC.HANDLE, 'session not loaded');
    if (this.gapIsFull()) fail(TPM_RC.CONTEXT_GAP);
    const sequence = this.contextCounter++;
    this.slots[handle & SLOT_MASK] = { state: 'saved', sequence, handle: session.handle };
    return sequence;
  }

  /** ContextLoad: true when `sequence` is the one the saved session at `handle` was given. */
  isCurrentContext(handle: number, sequence: bigint): boolean {
    const s = this.slots[handle & SLOT_MASK];
    return s?.state === 'saved' && s.handle === handle && s.sequence === sequence;
  }

  /** ContextLoad: the saved session comes back into memory under its handle. */
  load(session: AuthSession): void {
    if (!this.isSaved(session.handle)) fail(TPM_RC.HANDLE, 'no saved session at this handle');
    if (this.loadedCount >= MAX_LOADED_SESSIONS) fail(TPM_RC.SESSION_MEMORY);
    const oldest = this.oldestSaved();
    if (this.loadedCount === MAX_LOADED_SESSIONS - 1 && this.gapIsFull() && oldest?.handle !== session.handle) fail(TPM_RC.CONTEXT_GAP);
    this.add(session);
  }

  /** TPM Reset: every session goes. */
  clear(): void {
    this.slots = new Array(MAX_ACTIVE_SESSIONS);
    this.contextCounter = BigInt(MAX_LOADED_SESSIONS + 1);
    this.exclusiveAudit = null;
  }

  /** TPM Restart / Resume: loaded sessions are lost, saved contexts stay loadable. */
  dropLoaded(): void {
    this.slots = this.slots.map((s) => (s?.state === 'saved' ? s : undefined));
    this.exclusiveAudit = null;
  }

  /** The context counter: the sequence the next saved session gets (state blobs). */
  get nextContextSequence(): bigint {
    return this.contextCounter;
  }

  /** Context-saved sessions by slot: their handle and context sequence (state blobs, Shutdown(STATE)). */
  savedContexts(): { handle: number; sequence: bigint }[] {
    return this.slots.flatMap((s) => (s?.state === 'saved' ? [{ handle: s.handle, sequence: s.sequence }] : []));
  }

  /** Loaded sessions by slot (state blobs). */
  loadedSessions(): AuthSession[] {
    return this.slots.flatMap((s) => (s?.state === 'loaded' ? [s.session] : []));
  }

  /**
   * State blobs and Startup after Shutdown(STATE): exactly these saved and loaded sessions and this
   * counter; TPM_RC_HANDLE when two claim one slot.
   */
  restoreSlots(contextCounter: bigint, saved: { handle: number; sequence: bigint }[], loaded: AuthSession[], exclusiveAudit: number | null): void {
    const slots: (Slot | undefined)[] = new Array(MAX_ACTIVE_SESSIONS);
    const put = (handle: number, slot: Slot) => {
      const i = handle & SLOT_MASK;
      if (i >= MAX_ACTIVE_SESSIONS || slots[i]) fail(TPM_RC.HANDLE, `session slot ${i} out of range or taken twice`);
      slots[i] = slot;
    };
    for (const s of saved) put(s.handle, { state: 'saved', sequence: s.sequence, handle: s.handle });
    for (const session of loaded) put(session.handle, { state: 'loaded', session });
    this.slots = slots;
    this.contextCounter = contextCounter;
    this.exclusiveAudit = exclusiveAudit;
  }

  private oldestSaved(): { handle: number; sequence: bigint } | undefined {
    let oldest: { handle: number; sequence: bigint } | undefined;
    for (const s of this.slots) if (s?.state === 'saved' && (!oldest || s.sequence < oldest.sequence)) oldest = s;
    return oldest;
  }

  private gapIsFull(): boolean {
    const oldest = this.oldestSaved();
    return !!oldest && this.contextCounter - oldest.sequence >= MAX_CONTEXT_GAP;
  }
}
