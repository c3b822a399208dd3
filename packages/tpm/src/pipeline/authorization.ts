import { timingSafeEqual } from 'node:crypto';
import { TPM_ALG } from '../constants/alg.js';
import { TPMA_SESSION, TPM_NT } from '../constants/attributes.js';
import { TPM_HT, TPM_RH, TPM_RS_PW, handleTypeOf } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TpmError } from '../errors.js';
import { digestSize, hash } from '../crypto/hashAlgorithms.js';
import { parameterDecrypt, parameterEncrypt } from '../crypto/paramEncryption.js';
import type { AuthCommand, AuthResponse } from '../structures/auth.js';
import type { AuthSession } from '../sessions/authSession.js';
import { isAuthPolicyAvailable, isAuthValueAvailable, isPolicySessionRequired } from '../sessions/authRoles.js';
import { CommandDigests } from '../sessions/commandDigests.js';
import { entityAuthValue, isDaExempt, nvIndexAt } from '../sessions/entity.js';
import { firstParameterIsTpm2b } from '../sessions/parameterEncryptionScope.js';
import { checkPolicySession } from '../sessions/policyCheck.js';
import { policyNow } from '../sessions/policyTime.js';
import { rpHash, sessionHmac, trimAuth } from '../sessions/sessionHmac.js';
import type { Tpm } from '../tpm.js';
import { PP_REQUIRED } from '../capability/commandAttributes.js';
import type { AuthRole, CommandSpec } from './commandSpec.js';

const EMPTY: Buffer = Buffer.alloc(0);
const PASSWORD_ATTRIBUTES = TPMA_SESSION.continueSession;

/** One session of the authorization area and what the TPM decided about it. */
export interface SessionUse {
  readonly index: number;
  readonly auth: AuthCommand;
  /** null for the password session. */
  readonly session: AuthSession | null;
  /** The handle this session authorizes, or null for a session beyond the authorized handles. */
  readonly entity: number | null;
  readonly role: AuthRole | null;
  /** The attributes echoed in the response (auditExclusive is the TPM's to set). */
  attributes: number;
  /** The entity's authValue goes into the HMAC key. */
  includeAuth: boolean;
}

export interface AuthorizationRequest {
  readonly auths: readonly AuthCommand[];
  readonly spec: CommandSpec;
  /** Every handle of the handle area, in order. */
  readonly handles: readonly number[];
  /** The parameter area as received. */
  readonly rawParams: Buffer;
  readonly locality: number;
}

/** The authorization area after checking, and the command parameters after parameter decryption. */
export interface CommandAuthorization {
  readonly uses: readonly SessionUse[];
  readonly decryptIndex: number | null;
  readonly encryptIndex: number | null;
  readonly command: CommandDigests;
  readonly parameters: Buffer;
}

const bySession = (index: number, rc: number, detail?: string): TpmError => new TpmError(rc, detail).forSession(index + 1);

function equalBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Authorization of one command (Part 1, 19; Part 3, 5.6; the reference's ParseSessionBuffer):
 * consistency of every session first, then each session's authorization of its handle, then
 * decryption of the first parameter.
 */
export function authorizeCommand(tpm: Tpm, req: AuthorizationRequest): CommandAuthorization {
  const { spec } = req;
  const command = new CommandDigests(spec.code, () => req.handles.map((h) => tpm.nameOf(h)), req.rawParams);
  const { uses, decryptIndex, encryptIndex } = retrieveSessions(tpm, req);

  const authRoles = spec.handles.flatMap((h, i) => (h.auth ? [{ entity: req.handles[i]!, role: h.auth }] : []));
  if (uses.length < authRoles.length) throw new TpmError(TPM_RC.AUTH_MISSING);
  const associated = uses.map((u, i) => ({ ...u, entity: authRoles[i]?.entity ?? null, role: authRoles[i]?.role ?? null }));

  for (const use of associated) {
    const { index, session } = use;
    if (!session) {
      if (use.entity === null) throw bySession(index, TPM_RC.HANDLE, 'a password session must authorize a handle');
    } else {
      if (session.isTrial) throw bySession(index, TPM_RC.ATTRIBUTES, 'a trial session authorizes nothing');
      if (session.isDaBound) tpm.da.check(session.isLockoutBound ? TPM_RH.LOCKOUT : TPM_RH.NULL);
    }
    if (use.entity !== null) {
      checkAuthorization(tpm, spec, use, associated, command, req.locality, decryptIndex, encryptIndex);
    } else {
      if (!(use.auth.sessionAttributes & (TPMA_SESSION.audit | TPMA_SESSION.encrypt | TPMA_SESSION.decrypt))) {
        throw bySession(index, TPM_RC.ATTRIBUTES, 'a session that authorizes nothing must audit, encrypt or decrypt');
      }
      use.includeAuth = false;
      if (!equalBytes(use.auth.hmac, commandHmac(tpm, use, associated, command, decryptIndex, encryptIndex))) throw lockoutFailure(tpm, use);
    }
  }

  let parameters = req.rawParams;
  if (decryptIndex !== null) parameters = decryptFirstParameter(tpm, associated[decryptIndex]!, req.rawParams);
  return { uses: associated, decryptIndex, encryptIndex, command, parameters };
}

/** RetrieveSessionData: sessions loaded, of the right type, used once; one decrypt, one encrypt and one audit session. */
function retrieveSessions(tpm: Tpm, req: AuthorizationRequest): { uses: SessionUse[]; decryptIndex: number | null; encryptIndex: number | null } {
  const uses: SessionUse[] = [];
  let decryptIndex: number | null = null;
  let encryptIndex: number | null = null;
  let auditIndex: number | null = null;
  req.auths.forEach((auth, index) => {
    const attrs = auth.sessionAttributes;
    const base = { index, auth, entity: null, role: null, attributes: attrs, includeAuth: false };
    if (auth.sessionHandle === TPM_RS_PW) {
      if (attrs & ~PASSWORD_ATTRIBUTES) throw bySession(index, TPM_RC.ATTRIBUTES, 'password session attributes');
      if (auth.nonce.length !== 0) throw bySession(index, TPM_RC.NONCE, 'password session with a nonce');
      uses.push({ ...base, session: null });
      return;
    }
    const session = tpm.sessions.loadedInSlot(auth.sessionHandle);
    if (!session) throw new TpmError(TPM_RC.REFERENCE_S0 + index, 'session not loaded');
    if (session.handle !== auth.sessionHandle) throw bySession(index, TPM_RC.HANDLE, 'session handle of the wrong type');
    if (uses.some((u) => u.auth.sessionHandle === auth.sessionHandle)) throw bySession(index, TPM_RC.HANDLE, 'session used twice');
    if (attrs & TPMA_SESSION.decrypt) {
      if (!firstParameterIsTpm2b(req.spec.params) || decryptIndex !== null) throw bySession(index, TPM_RC.ATTRIBUTES, 'decrypt not possible here');
      if (session.symmetric.algorithm === TPM_ALG.NULL) throw bySession(index, TPM_RC.SYMMETRIC, 'session has no symmetric algorithm');
      decryptIndex = index;
    }
    if (attrs & TPMA_SESSION.encrypt) {
      if (!firstParameterIsTpm2b(req.spec.response) || encryptIndex !== null) throw bySession(index, TPM_RC.ATTRIBUTES, 'encrypt not possible here');
      if (session.symmetric.algorithm === TPM_ALG.NULL) throw bySession(index, TPM_RC.SYMMETRIC, 'session has no symmetric algorithm');
      encryptIndex = index;
    }
    if (attrs & TPMA_SESSION.audit) {
      if (auditIndex !== null || handleTypeOf(auth.sessionHandle) === TPM_HT.POLICY_SESSION) throw bySession(index, TPM_RC.ATTRIBUTES, 'audit session');
      const continuing = !(attrs & TPMA_SESSION.auditReset) && session.auditDigest !== null;
      if (continuing && attrs & TPMA_SESSION.auditExclusive && tpm.sessions.exclusiveAudit !== session.handle) throw new TpmError(TPM_RC.EXCLUSIVE);
      auditIndex = index;
    }
    uses.push({ ...base, session });
  });
  return { uses, decryptIndex, encryptIndex };
}

/** CheckAuthSession: the session may authorize this entity in this role, and proves knowledge of its authValue or policy. */
function checkAuthorization(
  tpm: Tpm,
  spec: CommandSpec,
  use: SessionUse,
  all: readonly SessionUse[],
  command: CommandDigests,
  locality: number,
  decryptIndex: number | null,
  encryptIndex: number | null,
): void {
  const { session, index } = use;
  const entity = use.entity!;
  const role = use.role!;
  const policy = session?.policy ?? null;
  if (session) {
    use.includeAuth = policy ? policy.isAuthValueNeeded || policy.isPasswordNeeded : !session.isBoundTo(tpm.nameOf(entity), entityAuthValue(tpm, entity));
  } else {
    use.includeAuth = true;
  }
  try {
    if (entity === TPM_RH.PLATFORM && PP_REQUIRED.has(spec.name) && !tpm.platform.physicalPresence) throw new TpmError(TPM_RC.PP, 'physical presence required');
    if (use.includeAuth && !isDaExempt(tpm, entity)) tpm.da.check(entity);
    if (!policy) {
      if (isPolicySessionRequired(tpm, role, entity)) throw new TpmError(TPM_RC.AUTH_TYPE, 'this role needs a policy session');
      if (!isAuthValueAvailable(tpm, role, entity, command.commandCode)) throw new TpmError(TPM_RC.AUTH_UNAVAILABLE, 'the authValue cannot authorize this');
    } else {
      if (!isAuthPolicyAvailable(tpm, role, entity, command.commandCode)) throw new TpmError(TPM_RC.AUTH_UNAVAILABLE, 'no authPolicy to satisfy');
      checkPolicySession(tpm, session!, entity, role, command, locality);
    }
  } catch (e) {
    throw e instanceof TpmError ? e.forSession(index + 1) : e;
  }
  const passwordLike = !session || policy?.isPasswordNeeded === true;
  const ok = passwordLike
    ? equalBytes(trimAuth(use.auth.hmac), entityAuthValue(tpm, entity))
    : equalBytes(use.auth.hmac, commandHmac(tpm, use, all, command, decryptIndex, encryptIndex));
  if (use.includeAuth) countPinUse(tpm, entity, ok);
  if (!ok) throw lockoutFailure(tpm, use);
}

/** PIN indices count uses of their authValue: a PIN fail index its failures (reset by a success), a PIN pass index its successes. */
function countPinUse(tpm: Tpm, entity: number, ok: boolean): void {
  const nv = handleTypeOf(entity) === TPM_HT.NV_INDEX ? nvIndexAt(tpm, entity) : undefined;
  if (!nv || !nv.has('WRITTEN')) return;
  const count = nv.read(0, 4).readUInt32BE(0);
  const set = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    nv.write(0, b);
  };
  if (nv.type === TPM_NT.PIN_FAIL) set(ok ? 0 : count + 1);
  else if (nv.type === TPM_NT.PIN_PASS && ok) set(count + 1);
}

/** sessionKey || authValue of the entity when the session includes it. */
function hmacKey(tpm: Tpm, use: SessionUse): Buffer {
  const s = use.session!;
  return use.includeAuth && use.entity !== null ? Buffer.concat([s.sessionKey, entityAuthValue(tpm, use.entity)]) : s.sessionKey;
}

/**
 * The command HMAC (Part 1, 19.6.5); the first session, when it authorizes a handle, also covers
 * the nonceTPM of separate decrypt and encrypt sessions. An empty key with an empty HMAC is accepted.
 */
function commandHmac(tpm: Tpm, use: SessionUse, all: readonly SessionUse[], command: CommandDigests, decryptIndex: number | null, encryptIndex: number | null): Buffer {
  const s = use.session!;
  const key = hmacKey(tpm, use);
  if (key.length === 0 && use.auth.hmac.length === 0) return EMPTY;
  let nonceDecrypt: Buffer = EMPTY;
  let nonceEncrypt: Buffer = EMPTY;
  if (use.index === 0 && use.entity !== null) {
    if (decryptIndex !== null && decryptIndex !== 0) nonceDecrypt = all[decryptIndex]!.session!.nonceTPM;
    if (encryptIndex !== null && encryptIndex !== 0 && encryptIndex !== decryptIndex) nonceEncrypt = all[encryptIndex]!.session!.nonceTPM;
  }
  return sessionHmac(s.authHash, key, command.cpHash(s.authHash), use.auth.nonce, s.nonceTPM, use.auth.sessionAttributes, nonceDecrypt, nonceEncrypt);
}

/** IncrementLockout: a wrong authorization counts toward lockout when the authValue of a DA-protected entity was used. */
function lockoutFailure(tpm: Tpm, use: SessionUse): TpmError {
  const s = use.session;
  let entity = use.entity;
  if (!s) {
    if (isDaExempt(tpm, entity!)) return bySession(use.index, TPM_RC.BAD_AUTH);
  } else {
    if (s.isLockoutBound) entity = TPM_RH.LOCKOUT;
    if (!s.isDaBound && (entity === null || isDaExempt(tpm, entity) || !use.includeAuth)) return bySession(use.index, TPM_RC.BAD_AUTH);
  }
  tpm.da.failure(entity ?? TPM_RH.NULL);
  return bySession(use.index, TPM_RC.AUTH_FAIL);
}

/** Key for parameter encryption: sessionKey || authValue of the entity the session authorizes (Part 1, 21.1). */
function encryptionKey(tpm: Tpm, use: SessionUse): Buffer {
  const s = use.session!;
  return use.entity !== null ? Buffer.concat([s.sessionKey, entityAuthValue(tpm, use.entity)]) : s.sessionKey;
}

/** Decrypts the data of the first (TPM2B) parameter; the size field stays in the clear. */
function decryptFirstParameter(tpm: Tpm, use: SessionUse, raw: Buffer): Buffer {
  if (raw.length < 2) throw bySession(use.index, TPM_RC.INSUFFICIENT, 'no size field to decrypt');
  const size = raw.readUInt16BE(0);
  if (size > raw.length - 2) throw bySession(use.index, TPM_RC.SIZE, 'encrypted parameter beyond the parameter area');
  const s = use.session!;
  const plain = parameterDecrypt(s.symmetric, s.authHash, encryptionKey(tpm, use), use.auth.nonce, s.nonceTPM, raw.subarray(2, 2 + size));
  return Buffer.concat([raw.subarray(0, 2), plain, raw.subarray(2 + size)]);
}

/**
 * The response authorization area (the reference's BuildResponseSession): new nonceTPM for every
 * session, encryption of the first response parameter (in place in `responseParams`), audit,
 * then the response HMACs; policy sessions that continue start over, others are flushed.
 */
export function respondToSessions(tpm: Tpm, authz: CommandAuthorization, responseParams: Buffer): AuthResponse[] {
  for (const u of authz.uses) if (u.session) u.session.nonceTPM = tpm.random.bytes(u.session.nonceTPM.length);

  if (authz.encryptIndex !== null && responseParams.length >= 2) {
    const use = authz.uses[authz.encryptIndex]!;
    const s = use.session!;
    const data = responseParams.subarray(2, 2 + responseParams.readUInt16BE(0));
    parameterEncrypt(s.symmetric, s.authHash, encryptionKey(tpm, use), s.nonceTPM, use.auth.nonce, data).copy(data);
  }

  const rp = new Map<number, Buffer>();
  const responseHash = (alg: number) => rp.get(alg) ?? rp.set(alg, rpHash(alg, authz.command.commandCode, responseParams)).get(alg)!;
  updateAudit(tpm, authz, responseHash);

  const responses = authz.uses.map((use): AuthResponse => {
    const s = use.session;
    if (!s) return { nonce: EMPTY, sessionAttributes: PASSWORD_ATTRIBUTES, hmac: EMPTY };
    let mac: Buffer = EMPTY;
    if (!s.policy?.isPasswordNeeded) {
      const key = hmacKey(tpm, use);
      if (key.length !== 0 || use.auth.hmac.length !== 0) mac = sessionHmac(s.authHash, key, responseHash(s.authHash), s.nonceTPM, use.auth.nonce, use.attributes);
    }
    return { nonce: s.nonceTPM, sessionAttributes: use.attributes, hmac: mac };
  });

  for (const use of authz.uses) {
    const s = use.session;
    if (!s) continue;
    if (!(use.attributes & TPMA_SESSION.continueSession)) tpm.sessions.remove(s.handle);
    else if (s.policy) {
      s.policy.reset();
      s.startTime = policyNow(tpm);
    }
  }
  return responses;
}

/** Session audit (Part 1, session audit): digest := H(digest || cpHash || rpHash); the exclusive audit session is tracked. */
function updateAudit(tpm: Tpm, authz: CommandAuthorization, responseHash: (alg: number) => Buffer): void {
  const use = authz.uses.find((u) => u.session && u.attributes & TPMA_SESSION.audit);
  if (!use) {
    tpm.sessions.exclusiveAudit = null;
    return;
  }
  const s = use.session!;
  if (s.auditDigest === null || use.attributes & TPMA_SESSION.auditReset) {
    s.auditDigest = Buffer.alloc(digestSize(s.authHash));
    s.bind = null; // an audit session is never bound
    tpm.sessions.exclusiveAudit = s.handle;
  } else if (tpm.sessions.exclusiveAudit !== s.handle) {
    tpm.sessions.exclusiveAudit = null;
  }
  use.attributes = tpm.sessions.exclusiveAudit === s.handle ? use.attributes | TPMA_SESSION.auditExclusive : use.attributes & ~TPMA_SESSION.auditExclusive;
  s.auditDigest = hash(s.authHash, s.auditDigest, authz.command.cpHash(s.authHash), responseHash(s.authHash));
}
