import { TPM_RH } from '../constants/handles.js';

/** TPMI_RH_HIERARCHY+ of a ticket: owner, endorsement, platform or null (TPM_RC_VALUE for the ticket otherwise). */
export function isTicketHierarchy(h: number): boolean {
  return h === TPM_RH.OWNER || h === TPM_RH.ENDORSEMENT || h === TPM_RH.PLATFORM || h === TPM_RH.NULL;
}
