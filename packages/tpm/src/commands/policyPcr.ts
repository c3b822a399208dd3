import { TPM_CC } from '../constants/cc.js';
import { TPM_RC } from '../constants/rc.js';
import { marshal } from '../codec/codec.js';
import { TpmError, fail } from '../errors.js';
import { hash } from '../crypto/hashAlgorithms.js';
import { implement } from '../pipeline/handler.js';
import { policySessionAt } from '../sessions/policySessionAt.js';
import { PolicyPCR } from '../spec/policy.js';
import { TPML_PCR_SELECTION, selectedPcrs, type PcrSelection } from '../structures/pcrSelection.js';
import type { Tpm } from '../tpm.js';

/**
 * The selection with unallocated PCRs removed and H(selected PCR values, in selection order)
 * (the reference's PCRComputeCurrentDigest, whose filtered selection PolicyPCR then hashes).
 */
export function currentPcrDigest(tpm: Tpm, hashAlg: number, selection: readonly PcrSelection[]): { selection: PcrSelection[]; digest: Buffer } {
  const values: Buffer[] = [];
  const filtered = selection.map((sel) => {
    const bitmap = Buffer.from(sel.pcrSelect);
    for (const pcr of selectedPcrs(sel.pcrSelect)) {
      if (tpm.pcrs.isAllocated(sel.hash, pcr)) values.push(tpm.pcrs.read(sel.hash, pcr));
      else bitmap[pcr >> 3]! &= ~(1 << (pcr & 7));
    }
    return { hash: sel.hash, pcrSelect: bitmap };
  });
  return { selection: filtered, digest: hash(hashAlg, ...values) };
}

/**
 * Part 3, 23.7: policyDigest_new = H(policyDigest_old || TPM_CC_PolicyPCR || pcrs || digest of the
 * PCR values). A real session checks the caller's pcrDigest (when given) against the current values
 * and remembers the PCR update counter; a trial session takes the caller's pcrDigest as is.
 */
export const policyPcr = implement(PolicyPCR, (tpm, { handles, params }) => {
  const { session, policy } = policySessionAt(tpm, handles.policySession);
  const current = currentPcrDigest(tpm, session.authHash, params.pcrs);
  let pcrDigest = current.digest;
  if (!session.isTrial) {
    if (policy.pcrUpdateCounter !== null && policy.pcrUpdateCounter !== tpm.pcrs.updateCounter) fail(TPM_RC.PCR_CHANGED);
    if (params.pcrDigest.length !== 0 && !params.pcrDigest.equals(pcrDigest)) throw new TpmError(TPM_RC.VALUE, 'PCRs do not have these values').forParameter(1);
  } else if (params.pcrDigest.length !== 0) {
    pcrDigest = params.pcrDigest;
  }
  policy.extend(TPM_CC.PolicyPCR, marshal(TPML_PCR_SELECTION, current.selection), pcrDigest);
  if (!session.isTrial) policy.pcrUpdateCounter = tpm.pcrs.updateCounter;
  return {};
});
