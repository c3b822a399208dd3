import { TPM_CC } from '../constants/cc.js';
import { TPM_RC } from '../constants/rc.js';
import { Reader } from '../codec/reader.js';
import { TpmError, fail } from '../errors.js';
import { MAX_DIGEST_SIZE, digestSize, hash, isHashAlgorithm } from '../crypto/hashAlgorithms.js';
import { checkReadAccess } from '../nv/nvAccess.js';
import { verifiedDigest } from '../objects/ticketDigests.js';
import { implement } from '../pipeline/handler.js';
import { nvIndexAt } from '../sessions/entity.js';
import { policySessionAt } from '../sessions/policySessionAt.js';
import { isTicketHierarchy } from '../sessions/ticketHierarchy.js';
import { PolicyAuthorize, PolicyAuthorizeNV, PolicyOR } from '../spec/policy.js';
import { TPMT_HA } from '../structures/basic.js';

/**
 * Part 3, 23.6: when the current digest is one of the branches (any, in a trial session), the
 * digest becomes H(zeros || TPM_CC_PolicyOR || digest1 || ... || digestN); else TPM_RC_VALUE.
 */
export const policyOr = implement(PolicyOR, (tpm, { handles, params }) => {
  const { session, policy } = policySessionAt(tpm, handles.policySession);
  const list = params.pHashList;
  if (!session.isTrial && !list.some((d) => d.equals(policy.digest))) throw new TpmError(TPM_RC.VALUE, 'no branch matches the policy digest').forParameter(1);
  policy.digest = Buffer.alloc(policy.digest.length);
  policy.extend(TPM_CC.PolicyOR, ...list);
  return {};
});

/**
 * Part 3, 23.16: a policy approved by a signing key replaces the digest. The approval is a
 * TPMT_TK_VERIFIED from VerifySignature over aHash = H_nameAlg(keySign)(approvedPolicy || policyRef).
 * Then policyDigest = zeros, updated with TPM_CC_PolicyAuthorize, keySign and policyRef.
 */
export const policyAuthorize = implement(PolicyAuthorize, (tpm, { handles, params }) => {
  const { session, policy } = policySessionAt(tpm, handles.policySession);
  const { approvedPolicy, policyRef, keySign, checkTicket } = params;
  const hashAlg = keySign.length >= 2 ? keySign.readUInt16BE(0) : 0;
  if (!isHashAlgorithm(hashAlg)) throw new TpmError(TPM_RC.HASH, 'keySign is not a Name with a digest').forParameter(3);
  if (keySign.length - 2 !== digestSize(hashAlg)) throw new TpmError(TPM_RC.SIZE, 'keySign has the wrong size').forParameter(3);
  if (!session.isTrial) {
    if (!approvedPolicy.equals(policy.digest)) throw new TpmError(TPM_RC.VALUE, 'approvedPolicy is not the current digest').forParameter(1);
    if (!isTicketHierarchy(checkTicket.hierarchy)) throw new TpmError(TPM_RC.VALUE, 'ticket hierarchy').forParameter(4);
    const aHash = hash(hashAlg, approvedPolicy, policyRef);
    if (!verifiedDigest(tpm, checkTicket.hierarchy, aHash, keySign).equals(checkTicket.digest)) throw new TpmError(TPM_RC.VALUE, 'ticket does not verify').forParameter(4);
  }
  policy.digest = Buffer.alloc(policy.digest.length);
  policy.update(TPM_CC.PolicyAuthorize, keySign, policyRef);
  return {};
});

/**
 * Part 3, 23.22: the approved policy is a TPMT_HA in an NV index (read with authHandle's
 * authorization, checked by the pipeline). Then policyDigest = zeros, updated with the index Name.
 */
export const policyAuthorizeNv = implement(PolicyAuthorizeNV, (tpm, { handles }) => {
  const { session, policy } = policySessionAt(tpm, handles.policySession);
  const nv = nvIndexAt(tpm, handles.nvIndex)!;
  if (!session.isTrial) {
    checkReadAccess(handles.authHandle, nv);
    // the index holds a TPMT_HA (trailing octets ignored)
    const approved = TPMT_HA.read(new Reader(nv.read(0, Math.min(nv.dataSize, 2 + MAX_DIGEST_SIZE)))) as { hashAlg: number; digest: Buffer };
    if (approved.hashAlg !== session.authHash) fail(TPM_RC.HASH, 'the index holds a policy of another hash');
    if (!approved.digest.equals(policy.digest)) fail(TPM_RC.VALUE, 'the index holds another policy');
  }
  policy.digest = Buffer.alloc(policy.digest.length);
  policy.extend(TPM_CC.PolicyAuthorizeNV, tpm.nameOf(handles.nvIndex));
  return {};
});
