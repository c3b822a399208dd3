import { TPM_SE } from '../constants/types.js';
import type { SymDef } from '../structures/symmetric.js';

/** A loaded authorization session (HMAC, policy or trial), as Part 1, 19 describes it. */
export class AuthSession {
  /** Policy digest (policy and trial sessions). */
  policyDigest: Buffer;

  constructor(
    readonly handle: number,
    readonly type: number,
    readonly authHash: number,
    public nonceTPM: Buffer,
    public nonceCaller: Buffer,
    readonly sessionKey: Buffer,
    readonly symmetric: SymDef,
    /** Name of the entity the session is bound to, or null when unbound. */
    readonly boundEntityName: Buffer | null,
    digestSize: number,
  ) {
    this.policyDigest = Buffer.alloc(digestSize);
  }

  get isPolicy(): boolean {
    return this.type === TPM_SE.POLICY || this.type === TPM_SE.TRIAL;
  }
}
