import { TPM_ST } from '../constants/types.js';
import type { Tpm } from '../tpm.js';

const u16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
};

/**
 * TPMT_TK_HASHCHECK digest (the reference's TicketComputeHashCheck):
 * HMAC(proof, TPM_ST_HASHCHECK || hashAlg || digest). Binding the hash algorithm keeps a ticket
 * for one hash from vouching for a same-length digest of another.
 */
export function hashCheckDigest(tpm: Tpm, hierarchy: number, hashAlg: number, digest: Buffer): Buffer {
  return tpm.ticketHmac(hierarchy, TPM_ST.HASHCHECK, u16(hashAlg), digest);
}

/** TPMT_TK_VERIFIED digest (Part 3, 20.1; TicketComputeVerified): HMAC(proof, TPM_ST_VERIFIED || digest || keyName). */
export function verifiedDigest(tpm: Tpm, hierarchy: number, digest: Buffer, keyName: Buffer): Buffer {
  return tpm.ticketHmac(hierarchy, TPM_ST.VERIFIED, digest, keyName);
}
