import { TPM_CC } from '../constants/cc.js';
import { TPM_RC } from '../constants/rc.js';
import { marshal } from '../codec/codec.js';
import { TpmError, fail } from '../errors.js';
import { hash } from '../crypto/hashAlgorithms.js';
import { checkReadAccess } from '../nv/nvAccess.js';
import { implement } from '../pipeline/handler.js';
import { nvIndexAt } from '../sessions/entity.js';
import { conditionHolds } from '../sessions/operandComparison.js';
import { policySessionAt } from '../sessions/policySessionAt.js';
import { PolicyCounterTimer, PolicyNV } from '../spec/policy.js';
import { TPMS_TIME_INFO } from '../structures/time.js';
import { currentClockInfo } from './clock.js';

const u16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
};

/** args = H(operandB || offset || operation), the part of the digest both commands share. */
const argumentHash = (alg: number, operandB: Buffer, offset: number, operation: number) => hash(alg, operandB, u16(offset), u16(operation));

/**
 * Part 3, 23.9: the policy holds while the NV data at offset compares with operandB as asked
 * (TPM_RC_POLICY otherwise). Reading needs authHandle's authorization (checked by the pipeline).
 * policyDigest_new = H(policyDigest_old || TPM_CC_PolicyNV || args || nvIndex Name).
 */
export const policyNv = implement(PolicyNV, (tpm, { handles, params }) => {
  const { session, policy } = policySessionAt(tpm, handles.policySession);
  const { operandB, offset, operation } = params;
  if (!session.isTrial) {
    const nv = nvIndexAt(tpm, handles.nvIndex)!;
    checkReadAccess(handles.authHandle, nv);
    if (offset > nv.dataSize) throw new TpmError(TPM_RC.VALUE, 'offset beyond the index').forParameter(2);
    if (nv.dataSize - offset < operandB.length) throw new TpmError(TPM_RC.SIZE, 'operandB reaches beyond the index').forParameter(1);
    if (!conditionHolds(operation, nv.read(offset, operandB.length), operandB)) fail(TPM_RC.POLICY, 'NV condition does not hold');
  }
  policy.extend(TPM_CC.PolicyNV, argumentHash(session.authHash, operandB, offset, operation), tpm.nameOf(handles.nvIndex));
  return {};
});

/**
 * Part 3, 23.10: the same comparison against TPMS_TIME_INFO (time, clock, resetCount,
 * restartCount, safe) as marshalled now. policyDigest_new = H(old || TPM_CC_PolicyCounterTimer || args).
 */
export const policyCounterTimer = implement(PolicyCounterTimer, (tpm, { handles, params }) => {
  const { session, policy } = policySessionAt(tpm, handles.policySession);
  const { operandB, offset, operation } = params;
  const info = marshal(TPMS_TIME_INFO, { time: tpm.clock.time, clockInfo: currentClockInfo(tpm) });
  // bounds are checked even in a trial session: the policy would make no sense otherwise
  if (offset > info.length) throw new TpmError(TPM_RC.VALUE, 'offset beyond TPMS_TIME_INFO').forParameter(2);
  if (offset + operandB.length > info.length) fail(TPM_RC.RANGE, 'operandB reaches beyond TPMS_TIME_INFO');
  if (!session.isTrial && !conditionHolds(operation, info.subarray(offset, offset + operandB.length), operandB)) fail(TPM_RC.POLICY, 'time condition does not hold');
  policy.extend(TPM_CC.PolicyCounterTimer, argumentHash(session.authHash, operandB, offset, operation));
  return {};
});
