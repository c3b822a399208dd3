import { TPM_ST } from '../constants/types.js';
import { TPM_RC } from '../constants/rc.js';
import { restricted, struct, u16, u32 } from '../codec/codec.js';
import { TPM2B_DIGEST } from './basic.js';

const ticketTag = (name: string, tags: number[]) => restricted(name, u16, tags, TPM_RC.TAG);

/** TPMI_RH_HIERARCHY+ as it appears inside tickets (checked by the command that consumes the ticket). */
const hierarchy = u32;

/** TPMT_TK_HASHCHECK (Part 2, 10.7.6). */
export const TPMT_TK_HASHCHECK = struct('TPMT_TK_HASHCHECK', {
  // a NULL ticket still carries TPM_ST_HASHCHECK (with TPM_RH_NULL); TPM_ST_NULL is TPM_RC_TAG, as swtpm answers
  tag: ticketTag('TPM_ST(hashcheck)', [TPM_ST.HASHCHECK]),
  hierarchy,
  digest: TPM2B_DIGEST,
});
export type Ticket = { tag: number; hierarchy: number; digest: Buffer };

export const TPMT_TK_VERIFIED = struct('TPMT_TK_VERIFIED', { tag: ticketTag('TPM_ST(verified)', [TPM_ST.VERIFIED]), hierarchy, digest: TPM2B_DIGEST });
export const TPMT_TK_CREATION = struct('TPMT_TK_CREATION', { tag: ticketTag('TPM_ST(creation)', [TPM_ST.CREATION]), hierarchy, digest: TPM2B_DIGEST });
export const TPMT_TK_AUTH = struct('TPMT_TK_AUTH', { tag: ticketTag('TPM_ST(auth)', [TPM_ST.AUTH_SIGNED, TPM_ST.AUTH_SECRET]), hierarchy, digest: TPM2B_DIGEST });

/** The NULL ticket a TPM returns when it has nothing to vouch for. */
export function nullTicket(hierarchyHandle: number, tag: number = TPM_ST.HASHCHECK): Ticket {
  return { tag, hierarchy: hierarchyHandle, digest: Buffer.alloc(0) };
}
