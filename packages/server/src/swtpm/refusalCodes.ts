import type { RefusalKind } from '../persistence/stateRefusal.js';
import { PTM_RES } from '../protocol/swtpmControl.js';

/** The control-channel result for a refused state blob, in the codes swtpm uses for the same faults. */
export const REFUSAL_CODE: Readonly<Record<RefusalKind, number>> = {
  'not-vtpm-state': PTM_RES.BAD_PARAMETER,
  'unsupported-version': PTM_RES.BAD_VERSION,
  truncated: PTM_RES.BAD_PARAMETER,
  damaged: PTM_RES.BAD_PARAMETER,
  'wrong-blob-type': PTM_RES.BAD_PARAMETER,
  'missing-key': PTM_RES.KEYNOTFOUND,
  'not-encrypted': PTM_RES.BAD_PARAMETER,
  'wrong-key': PTM_RES.DECRYPT_ERROR,
  tampered: PTM_RES.DECRYPT_ERROR,
  'older-generation': PTM_RES.FAIL,
  inconsistent: PTM_RES.BAD_PARAMETER,
  unreadable: PTM_RES.FAIL,
};
