import { TPMA_SESSION } from '../constants/attributes.js';
import { trimAuth } from '../sessions/sessionHmac.js';

/** How a client authorizes one handle (or adds a session without authorizing one). */
export type ClientAuth = { password: Buffer | string } | { session: ClientHmacSession; authValue?: Buffer | string };

/** The caller's copy of an HMAC session's state: nonces roll with every command and response. */
export class ClientHmacSession {
  nonceTPM: Buffer;
  nonceCaller: Buffer;
  attributes = TPMA_SESSION.continueSession;

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

  /** sessionKey || authValue, as the TPM computes it (authValue left out for the bound entity). */
  hmacKey(authValue: Buffer, entityName: Buffer | null): Buffer {
    if (this.boundEntityName && entityName && this.boundEntityName.equals(entityName)) return this.sessionKey;
    return Buffer.concat([this.sessionKey, trimAuth(authValue)]);
  }
}

export function authBytes(v: Buffer | string | undefined): Buffer {
  return v === undefined ? Buffer.alloc(0) : typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}
