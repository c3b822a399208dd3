import { struct, tpm2b, u8, u32, u64, yesNo, type Codec } from '../../codec/codec.js';
import { HR } from '../../constants/handles.js';
import { TPM_RC } from '../../constants/rc.js';
import { TPM_SE } from '../../constants/types.js';
import { MAX_DIGEST_SIZE, digestSize } from '../../crypto/hashAlgorithms.js';
import { fail } from '../../errors.js';
import { AuthSession } from '../../sessions/authSession.js';
import { MAX_ACTIVE_SESSIONS, MAX_LOADED_SESSIONS } from '../../sessions/sessionTable.js';
import type { BoundDigestKind, PolicyState } from '../../sessions/policyState.js';
import { TPM2B_AUTH, TPM2B_DIGEST, TPM2B_NAME, TPM2B_NONCE, TPMI_ALG_HASH, TPM_SE_CODEC } from '../../structures/basic.js';
import { TPMT_SYM_DEF } from '../../structures/symmetric.js';
import { ascendingBy, converted, optional, utf8 } from './stateCodecs.js';

/** A session handle: its range by type, its slot within MAX_ACTIVE_SESSIONS. */
export const SESSION_HANDLE: Codec<number> = converted('session handle', u32, (h) => {
  const base = h & 0xff000000;
  if ((base !== HR.HMAC_SESSION && base !== HR.POLICY_SESSION) || (h & 0x00ffffff) >= MAX_ACTIVE_SESSIONS) fail(TPM_RC.HANDLE, `session handle 0x${h.toString(16)}`);
  return h;
}, (h) => h);

const BOUND_DIGEST_KINDS: (BoundDigestKind | null)[] = [null, 'cpHash', 'nameHash', 'templateHash'];
const BOUND_DIGEST_KIND: Codec<BoundDigestKind | null> = converted('boundDigestKind', u8, (k) => (k < BOUND_DIGEST_KINDS.length ? BOUND_DIGEST_KINDS[k]! : fail(TPM_RC.VALUE, `boundDigestKind ${k}`)), (k) => BOUND_DIGEST_KINDS.indexOf(k));

/** PolicyState's fields (its hashAlg is the session's authHash). */
const POLICY = struct('POLICY_STATE', {
  digest: TPM2B_DIGEST,
  commandCode: u32,
  locality: u8,
  boundDigest: TPM2B_DIGEST,
  boundDigestKind: BOUND_DIGEST_KIND,
  timeout: u64,
  pcrUpdateCounter: optional('pcrUpdateCounter', u32),
  isAuthValueNeeded: yesNo,
  isPasswordNeeded: yesNo,
  isPPRequired: yesNo,
  nvWritten: optional('nvWritten', yesNo),
});
type PolicyFields = Omit<PolicyState, 'hashAlg' | 'extend' | 'update' | 'limitTimeout' | 'reset'>;

const SESSION_FIELDS = struct('SESSION', {
  handle: SESSION_HANDLE,
  type: TPM_SE_CODEC,
  authHash: TPMI_ALG_HASH,
  nonceTPM: TPM2B_NONCE,
  sessionKey: tpm2b('sessionKey', MAX_DIGEST_SIZE),
  symmetric: TPMT_SYM_DEF,
  bind: optional('bind', struct('BIND', { name: TPM2B_NAME, authValue: TPM2B_AUTH })),
  isDaBound: yesNo,
  isLockoutBound: yesNo,
  startTime: u64,
  epoch: utf8('epoch', 64),
  auditDigest: optional('auditDigest', TPM2B_DIGEST),
  policy: optional('policy', POLICY),
});

function toSession(v: typeof SESSION_FIELDS extends Codec<infer T> ? T : never): AuthSession {
  const isHmac = v.type === TPM_SE.HMAC;
  if ((v.handle & 0xff000000) !== (isHmac ? HR.HMAC_SESSION : HR.POLICY_SESSION)) fail(TPM_RC.HANDLE, 'session handle range does not match its type');
  if (isHmac === (v.policy !== null)) fail(TPM_RC.VALUE, 'policy state present exactly for policy and trial sessions');
  if (!isHmac && v.bind) fail(TPM_RC.VALUE, 'a policy session is never bound');
  if (v.policy && v.policy.digest.length !== digestSize(v.authHash)) fail(TPM_RC.SIZE, 'policy digest size differs from the session hash');
  const session = new AuthSession({ ...v, symmetric: v.symmetric as never });
  session.auditDigest = v.auditDigest;
  if (v.policy) Object.assign(session.policyState, v.policy satisfies PolicyFields);
  return session;
}

function fromSession(s: AuthSession): typeof SESSION_FIELDS extends Codec<infer T> ? T : never {
  const p = s.policy;
  return {
    handle: s.handle,
    type: s.type,
    authHash: s.authHash,
    nonceTPM: s.nonceTPM,
    sessionKey: s.sessionKey,
    symmetric: s.symmetric as never,
    bind: s.bind,
    isDaBound: s.isDaBound,
    isLockoutBound: s.isLockoutBound,
    startTime: s.startTime,
    epoch: s.epoch,
    auditDigest: s.auditDigest,
    policy: p && {
      digest: p.digest,
      commandCode: p.commandCode,
      locality: p.locality,
      boundDigest: p.boundDigest,
      boundDigestKind: p.boundDigestKind,
      timeout: p.timeout,
      pcrUpdateCounter: p.pcrUpdateCounter,
      isAuthValueNeeded: p.isAuthValueNeeded,
      isPasswordNeeded: p.isPasswordNeeded,
      isPPRequired: p.isPPRequired,
      nvWritten: p.nvWritten,
    },
  };
}

/** A loaded session with every field: nonces, key, binding, policy state, audit digest. */
export const SESSION: Codec<AuthSession> = converted('SESSION', SESSION_FIELDS, toSession, fromSession);

/** Loaded sessions by slot. */
export const LOADED_SESSIONS = ascendingBy('loaded sessions', SESSION, MAX_LOADED_SESSIONS, (s) => s.handle & 0x00ffffff);
