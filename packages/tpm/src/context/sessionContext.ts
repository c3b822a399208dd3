import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { AuthSession } from '../sessions/authSession.js';
import { PolicyState } from '../sessions/policyState.js';
import { contextClass, readValue, writeValue } from './valueCodec.js';

contextClass('AuthSession', AuthSession);
contextClass('PolicyState', PolicyState);

/**
 * The sensitive part of a session context: the AuthSession with every own field (nonces, session
 * key, bind value, policy state ...), in valueCodec form. A class a session starts to hold must be
 * registered above with `contextClass`.
 */
export function serializeSession(session: AuthSession): Buffer {
  const w = new Writer(512);
  writeValue(w, session, 'session');
  return w.finish();
}

export function restoreSession(payload: Buffer): AuthSession {
  const r = new Reader(payload);
  const session = readValue(r);
  if (!(session instanceof AuthSession) || r.remaining !== 0) throw new Error('not a session context');
  return session;
}
