import { createHash } from 'node:crypto';
import { TPM_CC, TPML_PCR_SELECTION, marshal } from '@vtpm/tpm';
import { pcrSelectionOf, type Sha256Pcrs } from './pcrValues.js';

/**
 * Policy digests computed in software (Part 3, 23.7 and 23.16), so an operator can approve a
 * policy for PCR values a host will have after an upgrade without holding that host's TPM.
 */
const sha256 = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();
const u32 = (v: number) => Buffer.from([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);

/** PolicyPCR from a fresh session: H(0^32 || TPM_CC_PolicyPCR || TPML_PCR_SELECTION || H(values ascending)). */
export function pcrPolicyDigest(pcrs: Sha256Pcrs): Buffer {
  const indices = [...pcrs.keys()].sort((a, b) => a - b);
  const pcrDigest = sha256(...indices.map((i) => pcrs.get(i)!));
  return sha256(Buffer.alloc(32), u32(TPM_CC.PolicyPCR), marshal(TPML_PCR_SELECTION, pcrSelectionOf(indices)), pcrDigest);
}

/** PolicyAuthorize: H(H(0^32 || TPM_CC_PolicyAuthorize || keySign Name) || policyRef). */
export function authorizePolicyDigest(signerName: Buffer, policyRef: Buffer): Buffer {
  return sha256(sha256(Buffer.alloc(32), u32(TPM_CC.PolicyAuthorize), signerName), policyRef);
}
