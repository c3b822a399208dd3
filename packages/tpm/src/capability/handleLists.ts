import { HR, TPM_HT, TPM_RH, handleTypeOf } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TpmError } from '../errors.js';
import { MAX_ACTIVE_SESSIONS } from '../sessions/sessionTable.js';
import { LIMITS } from '../structures/basic.js';
import type { Tpm } from '../tpm.js';

/** The permanent handles the TPM implements (the reference's NextPermanentHandle), ascending. */
export const PERMANENT_HANDLES: readonly number[] = [
  TPM_RH.OWNER,
  TPM_RH.NULL,
  TPM_RH.PW,
  TPM_RH.LOCKOUT,
  TPM_RH.ENDORSEMENT,
  TPM_RH.PLATFORM,
  TPM_RH.PLATFORM_NV,
];

const HANDLE_INDEX_MASK = 0x00ffffff;

/**
 * The handles GetCapability(HANDLES) can list for the range `start` lies in, ascending, from
 * `start` on. Sessions are listed by slot, the slot number being the handle's low 24 bits, so the
 * loaded-session range (0x02) also reports policy sessions under their 0x03 handle, and the
 * saved-session range (0x03) reports context-saved sessions under 0x02 handles. A range the TPM keeps no handles in is TPM_RC_HANDLE for parameter 2.
 */
export function handlesFrom(tpm: Tpm, start: number): number[] {
  const from = (handles: readonly number[]) => handles.filter((h) => h >= start);
  switch (handleTypeOf(start)) {
    case TPM_HT.PCR:
      return from(Array.from({ length: LIMITS.PCR_COUNT }, (_, i) => HR.PCR + i));
    case TPM_HT.NV_INDEX:
      return from(tpm.nv.handles());
    case TPM_HT.HMAC_SESSION: {
      const slot = start & HANDLE_INDEX_MASK;
      return tpm.sessions
        .handles()
        .filter((h) => (h & HANDLE_INDEX_MASK) >= slot && (h & HANDLE_INDEX_MASK) < MAX_ACTIVE_SESSIONS)
        .sort((a, b) => (a & HANDLE_INDEX_MASK) - (b & HANDLE_INDEX_MASK));
    }
    case TPM_HT.POLICY_SESSION:
      return tpm.sessions.savedHandles().filter((h) => (h & HANDLE_INDEX_MASK) >= (start & HANDLE_INDEX_MASK)); // saved sessions
    case TPM_HT.PERMANENT:
      return from(PERMANENT_HANDLES);
    case TPM_HT.TRANSIENT:
      return from(tpm.objects.handles());
    case TPM_HT.PERSISTENT:
      return from(tpm.persistent.handles());
    default:
      throw new TpmError(TPM_RC.HANDLE, 'no handles of this type').forParameter(2);
  }
}
