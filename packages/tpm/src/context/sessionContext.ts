import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { AuthSession } from '../sessions/authSession.js';
import { PolicyState } from '../sessions/policyState.js';
import { contextClass, readValue, writeValue } from './valueCodec.js';

contextClass('AuthSession', AuthSession);
contextClass('PolicyState', PolicyState);

/**
 * Preset deflate dictionary: the field names every session context repeats. With it a policy
 * session context stays within TPM_PT_MAX_SESSION_CONTEXT (404 octets, swtpm's value). Append
 * only: contexts saved with one dictionary inflate only with the same one.
 */
const DICTIONARY = Buffer.from(
  [
    'AuthSession handle type authHash nonceTPM nonceCaller sessionKey symmetric algorithm keyBits mode bind name authValue',
    'isDaBound isLockoutBound startTime epoch auditDigest',
    'policy PolicyState hashAlg digest commandCode locality boundDigest boundDigestKind cpHash nameHash templateHash timeout',
    'pcrUpdateCounter isAuthValueNeeded isPasswordNeeded isPPRequired nvWritten',
  ].join(' '),
  'latin1',
);

/**
 * The sensitive part of a session context: the AuthSession with every own field (nonces, session
 * key, bind value, policy state ...), in valueCodec form, deflated. A class a session starts to
 * hold must be registered above with `contextClass`.
 */
export function serializeSession(session: AuthSession): Buffer {
  const w = new Writer(512);
  writeValue(w, session, 'session');
  return deflateRawSync(w.finish(), { dictionary: DICTIONARY });
}

export function restoreSession(payload: Buffer): AuthSession {
  const r = new Reader(inflateRawSync(payload, { dictionary: DICTIONARY }));
  const session = readValue(r);
  if (!(session instanceof AuthSession) || r.remaining !== 0) throw new Error('not a session context');
  return session;
}
