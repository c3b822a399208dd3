import { TPM_CC } from '../constants/cc.js';
import { TPM_HT, handleTypeOf } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { fail } from '../errors.js';
import type { AuthRole } from '../pipeline/commandSpec.js';
import type { Tpm } from '../tpm.js';
import type { AuthSession } from './authSession.js';
import type { CommandDigests } from './commandDigests.js';
import { entityAuthPolicy, nvIndexAt } from './entity.js';
import { policyNow, timeEpoch } from './policyTime.js';

/**
 * The deferred checks of a policy session when it authorizes `entity` (Part 1, 19.7; the
 * reference's CheckPolicyAuthSession), in the reference's order. Throws the unnumbered TPM_RC;
 * the caller adds the session number.
 */
export function checkPolicySession(tpm: Tpm, session: AuthSession, entity: number, role: AuthRole, command: CommandDigests, locality: number): void {
  const policy = session.policyState;
  // A policy session authorizing PolicySecret's entity must itself prove knowledge of the authValue.
  if (command.commandCode === TPM_CC.PolicySecret && !policy.isPasswordNeeded && !policy.isAuthValueNeeded) fail(TPM_RC.MODE);
  if (policy.pcrUpdateCounter !== null && policy.pcrUpdateCounter !== tpm.pcrs.updateCounter) fail(TPM_RC.PCR_CHANGED);

  const authPolicy = entityAuthPolicy(tpm, entity);
  if (!policy.digest.equals(authPolicy.digest)) fail(TPM_RC.POLICY_FAIL, 'policyDigest does not match the authPolicy');
  if (authPolicy.hashAlg !== session.authHash) fail(TPM_RC.POLICY_FAIL, 'authPolicy uses another hash');

  if (policy.timeout !== 0n && (policy.timeout < policyNow(tpm) || session.epoch !== timeEpoch(tpm))) fail(TPM_RC.EXPIRED);

  if (policy.commandCode !== 0) {
    if (policy.commandCode !== command.commandCode) fail(TPM_RC.POLICY_CC);
  } else if (role === 'ADMIN' || role === 'DUP') {
    fail(TPM_RC.POLICY_FAIL, 'ADMIN and DUP roles need PolicyCommandCode');
  }

  if (policy.locality !== 0 && !localityAllowed(policy.locality, locality)) fail(TPM_RC.LOCALITY);
  if (policy.isPPRequired && !tpm.platform.physicalPresence) fail(TPM_RC.PP);

  if (policy.boundDigest.length !== 0) {
    const alg = session.authHash;
    const expected =
      policy.boundDigestKind === 'cpHash' ? command.cpHash(alg) : policy.boundDigestKind === 'templateHash' ? command.templateHash(alg) : command.nameHash(alg);
    if (!expected || !expected.equals(policy.boundDigest)) fail(TPM_RC.POLICY_FAIL, `${policy.boundDigestKind} does not match`);
  }

  if (policy.nvWritten !== null) {
    if (handleTypeOf(entity) !== TPM_HT.NV_INDEX) fail(TPM_RC.POLICY_FAIL, 'PolicyNvWritten on something that is not an NV index');
    const written = !!nvIndexAt(tpm, entity)?.has('WRITTEN');
    if (written !== policy.nvWritten) fail(TPM_RC.POLICY_FAIL, 'TPMA_NV_WRITTEN is not as the policy requires');
  }
}

/** TPMA_LOCALITY: bits 0-4 select localities 0-4; a value above 31 is one extended locality. */
export function localityAllowed(allowed: number, locality: number): boolean {
  if (locality < 5) return allowed <= 31 && (allowed & (1 << locality)) !== 0;
  if (locality > 31) return allowed === locality;
  return false;
}
