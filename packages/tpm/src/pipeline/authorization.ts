import { timingSafeEqual } from 'node:crypto';
import { TPM_RS_PW } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TPMA_SESSION } from '../constants/attributes.js';
import { TpmError, fail } from '../errors.js';
import type { AuthCommand, AuthResponse } from '../structures/auth.js';
import type { AuthSession } from '../sessions/authSession.js';
import { cpHash, rpHash, sessionHmac, trimAuth } from '../sessions/sessionHmac.js';
import type { Tpm } from '../tpm.js';

const EMPTY = Buffer.alloc(0);

/** A session that passed its checks for this command, with what the response needs. */
export interface AuthorizedSession {
  readonly handle: number;
  /** The entity it authorizes, or null for a session beyond the authorized handles. */
  readonly entity: number | null;
  readonly attributes: number;
  readonly session: AuthSession | null;
  readonly flushAfter: boolean;
}

export interface AuthorizationInput {
  readonly auth: AuthCommand;
  /** 0-based position in the authorization area. */
  readonly index: number;
  readonly entity: number | null;
  readonly commandCode: number;
  readonly handles: readonly number[];
  readonly rawParams: Buffer;
}

function equalAuth(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The failure code for a wrong authorization: DA-exempt entities answer BAD_AUTH, others AUTH_FAIL (which counts toward lockout). */
function authFailure(tpm: Tpm, entity: number, index: number): never {
  if (tpm.isDaExempt(entity)) throw new TpmError(TPM_RC.BAD_AUTH).forSession(index + 1);
  tpm.da.failure(entity);
  throw new TpmError(TPM_RC.AUTH_FAIL).forSession(index + 1);
}

/** Checks one session of the authorization area (Part 1, 19.6 and 19.8; Part 3, 5.6). */
export function authorize(tpm: Tpm, input: AuthorizationInput): AuthorizedSession {
  const { auth, index, entity } = input;
  const bySession = (rc: number, detail?: string): never => {
    throw new TpmError(rc, detail).forSession(index + 1);
  };

  if (entity !== null && !tpm.isDaExempt(entity)) tpm.da.check(entity);

  if (auth.sessionHandle === TPM_RS_PW) {
    if (entity === null) bySession(TPM_RC.HANDLE, 'a password session can only authorize a handle');
    if (auth.nonce.length !== 0) bySession(TPM_RC.NONCE, 'password session with a nonce');
    if (auth.sessionAttributes & ~TPMA_SESSION.continueSession) bySession(TPM_RC.ATTRIBUTES, 'password session attributes');
    if (!equalAuth(trimAuth(auth.hmac), trimAuth(tpm.authValueOf(entity!)))) authFailure(tpm, entity!, index);
    return { handle: TPM_RS_PW, entity, attributes: auth.sessionAttributes, session: null, flushAfter: false };
  }

  const session = tpm.sessions.get(auth.sessionHandle);
  if (!session) fail(TPM_RC.REFERENCE_S0 + index, 'session not loaded');
  if (auth.sessionAttributes & (TPMA_SESSION.decrypt | TPMA_SESSION.encrypt)) {
    if (session!.symmetric.algorithm === 0x0010) bySession(TPM_RC.SYMMETRIC, 'parameter encryption needs a session with a symmetric algorithm');
  }

  if (entity !== null) {
    if (session!.isPolicy) {
      // Policy sessions: the policy digest must equal the entity's authPolicy; PCRs and
      // hierarchies here have an empty authPolicy, so nothing satisfies them yet.
      bySession(TPM_RC.POLICY_FAIL, 'entity has no authPolicy');
    }
    const names = input.handles.map((h) => tpm.nameOf(h));
    const cp = cpHash(session!.authHash, input.commandCode, names, input.rawParams);
    const key = hmacKey(tpm, session!, entity);
    const expected = sessionHmac(session!.authHash, key, cp, auth.nonce, session!.nonceTPM, auth.sessionAttributes);
    if (!equalAuth(auth.hmac, expected)) authFailure(tpm, entity, index);
  }
  session!.nonceCaller = auth.nonce;
  return {
    handle: session!.handle,
    entity,
    attributes: auth.sessionAttributes,
    session: session!,
    flushAfter: !(auth.sessionAttributes & TPMA_SESSION.continueSession),
  };
}

/** sessionKey || authValue, leaving out the authValue when the session is bound to this entity (Part 1, 19.6.11). */
function hmacKey(tpm: Tpm, session: AuthSession, entity: number | null): Buffer {
  if (entity === null) return session.sessionKey;
  let authValue: Buffer;
  try {
    authValue = tpm.authValueOf(entity);
  } catch {
    authValue = EMPTY; // the command removed the entity (FlushContext of a sequence)
  }
  const bound = session.boundEntityName !== null && session.boundEntityName.equals(tpm.nameOf(entity));
  return bound ? session.sessionKey : Buffer.concat([session.sessionKey, trimAuth(authValue)]);
}

/** The response authorization for one session: rolls nonceTPM and computes the response HMAC. */
export function respondToSession(tpm: Tpm, a: AuthorizedSession, commandCode: number, responseParams: Buffer): AuthResponse {
  if (!a.session) return { nonce: EMPTY, sessionAttributes: TPMA_SESSION.continueSession, hmac: EMPTY };
  const s = a.session;
  s.nonceTPM = tpm.random.bytes(s.nonceTPM.length);
  const attrs = a.attributes & (TPMA_SESSION.continueSession | TPMA_SESSION.audit | TPMA_SESSION.decrypt | TPMA_SESSION.encrypt);
  const rp = rpHash(s.authHash, commandCode, responseParams);
  const mac = a.entity === null && s.sessionKey.length === 0 ? EMPTY : sessionHmac(s.authHash, safeKey(tpm, s, a.entity), rp, s.nonceTPM, s.nonceCaller, attrs);
  return { nonce: s.nonceTPM, sessionAttributes: attrs, hmac: mac };
}

function safeKey(tpm: Tpm, s: AuthSession, entity: number | null): Buffer {
  try {
    return hmacKey(tpm, s, entity);
  } catch {
    return s.sessionKey;
  }
}
