import { TPM_ALG } from '../constants/alg.js';
import { TPMA_SESSION } from '../constants/attributes.js';
import { trimAuth } from '../sessions/sessionHmac.js';
import type { SymDef } from '../structures/symmetric.js';

/** How a client authorizes one handle (or adds a session without authorizing one). */
export type ClientAuth = { password: Buffer | string } | { session: ClientHmacSession; authValue?: Buffer | string };

/** What a policy session proves besides its digest: nothing, the authValue in its HMAC key, or the authValue in the clear. */
export type PolicyAuth = 'none' | 'authValue' | 'password';

const NO_SYMMETRIC: SymDef = { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 };

/**
 * The caller's copy of an authorization session's state (HMAC or policy): nonces roll with every
 * command and response; the session key, binding and symmetric definition come from
 * StartAuthSession (see `startSession`).
 */
export class ClientHmacSession {
  nonceTPM: Buffer;
  nonceCaller: Buffer;
  attributes: number = TPMA_SESSION.continueSession;
  /** Parameter encryption of the session (TPM_ALG_NULL: none). */
  symmetric: SymDef = NO_SYMMETRIC;
  /** A policy session authorizes by its digest; its HMAC key holds the authValue only after PolicyAuthValue. */
  isPolicy = false;
  /** Set after PolicyAuthValue / PolicyPassword; the TPM forgets it after each use, and so does the client. */
  policyAuth: PolicyAuth = 'none';

  constructor(
    readonly handle: number,
    readonly authHash: number,
    nonceTPM: Buffer,
    nonceCaller: Buffer,
    readonly sessionKey: Buffer = Buffer.alloc(0),
    /** Name of the bind entity, or null for an unbound session. */
    readonly boundEntityName: Buffer | null = null,
  ) {
    this.nonceTPM = nonceTPM;
    this.nonceCaller = nonceCaller;
  }

  /** Whether the HMAC key holds the entity's authValue (Part 1, 19.6.11; policy sessions: PolicyAuthValue). */
  includesAuth(entityName: Buffer | null): boolean {
    if (entityName === null) return false;
    if (this.isPolicy) return this.policyAuth !== 'none';
    return !(this.boundEntityName && this.boundEntityName.equals(entityName));
  }

  /** sessionKey || authValue, as the TPM computes it. */
  hmacKey(authValue: Buffer, entityName: Buffer | null): Buffer {
    return this.includesAuth(entityName) ? Buffer.concat([this.sessionKey, trimAuth(authValue)]) : this.sessionKey;
  }

  /** The key of parameter encryption: sessionKey || authValue of the entity the session authorizes, if any (Part 1, 21.1). */
  encryptionKey(authValue: Buffer, authorizesEntity: boolean): Buffer {
    return authorizesEntity ? Buffer.concat([this.sessionKey, trimAuth(authValue)]) : this.sessionKey;
  }
}

export function authBytes(v: Buffer | string | undefined): Buffer {
  return v === undefined ? Buffer.alloc(0) : typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}
