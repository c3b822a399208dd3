import { HR } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TPM_SE } from '../constants/types.js';
import { fail } from '../errors.js';
import type { AuthSession } from './authSession.js';

/** Loaded-session limit of swtpm/libtpms (MAX_LOADED_SESSIONS); tools see TPM_RC_SESSION_MEMORY beyond it. */
export const MAX_LOADED_SESSIONS = 3;
/** Active sessions, loaded or context-saved (MAX_ACTIVE_SESSIONS). */
export const MAX_ACTIVE_SESSIONS = 64;

/** Session slots. A session's handle is its range base plus its slot number, as in the reference implementation. */
export class SessionTable {
  private slots: (AuthSession | undefined)[] = new Array(MAX_ACTIVE_SESSIONS);

  get loadedCount(): number {
    return this.slots.filter(Boolean).length;
  }

  /** Picks a free handle for a new session of `type`, or fails with TPM_RC_SESSION_MEMORY / TPM_RC_SESSION_HANDLES. */
  allocateHandle(type: number): number {
    if (this.loadedCount >= MAX_LOADED_SESSIONS) fail(TPM_RC.SESSION_MEMORY);
    const slot = this.slots.findIndex((s) => !s);
    if (slot < 0) fail(TPM_RC.SESSION_HANDLES);
    return (type === TPM_SE.HMAC ? HR.HMAC_SESSION : HR.POLICY_SESSION) + slot;
  }

  add(session: AuthSession): void {
    this.slots[session.handle & 0xffffff] = session;
  }

  get(handle: number): AuthSession | undefined {
    const s = this.slots[handle & 0xffffff];
    return s && s.handle === handle ? s : undefined;
  }

  remove(handle: number): boolean {
    if (!this.get(handle)) return false;
    this.slots[handle & 0xffffff] = undefined;
    return true;
  }

  handles(): number[] {
    return this.slots.filter((s): s is AuthSession => !!s).map((s) => s.handle);
  }

  clear(): void {
    this.slots = new Array(MAX_ACTIVE_SESSIONS);
  }
}
