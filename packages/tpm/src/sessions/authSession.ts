import { TPM_SE } from '../constants/types.js';
import type { SymDef } from '../structures/symmetric.js';
import { PolicyState } from './policyState.js';

/** The entity an HMAC session is bound to: its Name and authValue when the session started (Part 1, 19.6.11). */
export interface BindValue {
  readonly name: Buffer;
  readonly authValue: Buffer;
}

export interface AuthSessionInit {
  readonly handle: number;
  readonly type: number;
  readonly authHash: number;
  readonly nonceTPM: Buffer;
  readonly sessionKey: Buffer;
  readonly symmetric: SymDef;
  readonly bind: BindValue | null;
  /** Bound to a DA-protected entity: every use is subject to lockout (the reference's isDaBound). */
  readonly isDaBound: boolean;
  readonly isLockoutBound: boolean;
  /** TPM Time (ms) and time epoch at the start; policy expirations count from here. */
  readonly startTime: bigint;
  readonly epoch: string;
}

/** A loaded authorization session: HMAC, policy or trial (Part 1, 19). */
export class AuthSession {
  readonly handle: number;
  readonly type: number;
  readonly authHash: number;
  nonceTPM: Buffer;
  readonly sessionKey: Buffer;
  readonly symmetric: SymDef;
  /** Binding of an HMAC session; policy sessions are never bound. */
  bind: BindValue | null;
  readonly isDaBound: boolean;
  readonly isLockoutBound: boolean;
  startTime: bigint;
  readonly epoch: string;
  /** Policy and trial sessions: the policy digest and its deferred checks. */
  readonly policy: PolicyState | null;
  /** The session audit digest once the session was used for audit (Part 1, session audit), else null. */
  auditDigest: Buffer | null = null;

  constructor(init: AuthSessionInit) {
    this.handle = init.handle;
    this.type = init.type;
    this.authHash = init.authHash;
    this.nonceTPM = init.nonceTPM;
    this.sessionKey = init.sessionKey;
    this.symmetric = init.symmetric;
    this.bind = init.type === TPM_SE.HMAC ? init.bind : null;
    this.isDaBound = init.isDaBound;
    this.isLockoutBound = init.isLockoutBound;
    this.startTime = init.startTime;
    this.epoch = init.epoch;
    this.policy = init.type === TPM_SE.HMAC ? null : new PolicyState(init.authHash);
  }

  get isPolicy(): boolean {
    return this.type === TPM_SE.POLICY || this.type === TPM_SE.TRIAL;
  }

  get isTrial(): boolean {
    return this.type === TPM_SE.TRIAL;
  }

  /** The policy state; only called for policy/trial sessions. */
  get policyState(): PolicyState {
    if (!this.policy) throw new Error('not a policy session');
    return this.policy;
  }

  /** True when this is an HMAC session bound to the entity with this Name and (trimmed) authValue. */
  isBoundTo(name: Buffer, authValue: Buffer): boolean {
    return !!this.bind && this.bind.name.equals(name) && this.bind.authValue.equals(authValue);
  }
}
