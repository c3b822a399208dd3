import type { Tpm } from '../tpm.js';
import type { AuthSession } from './authSession.js';
import type { PolicyState } from './policyState.js';

/** The policy or trial session behind a TPMI_SH_POLICY handle the pipeline already found loaded. */
export function policySessionAt(tpm: Tpm, handle: number): { session: AuthSession; policy: PolicyState } {
  const session = tpm.sessions.get(handle);
  if (!session?.policy) throw new Error(`no policy session at 0x${handle.toString(16)}`);
  return { session, policy: session.policy };
}
