import { implement } from '../pipeline/handler.js';
import { DictionaryAttackLockReset, DictionaryAttackParameters } from '../spec/dictionaryAttack.js';

/** TPM2_DictionaryAttackLockReset (Part 3, 25.2): failedTries back to zero (lockoutAuth, itself DA-protected). */
export const dictionaryAttackLockReset = implement(DictionaryAttackLockReset, (tpm) => {
  tpm.da.resetLockout();
  return {};
});

/** TPM2_DictionaryAttackParameters (Part 3, 25.3): maxTries, recoveryTime and lockoutRecovery; failedTries is kept. */
export const dictionaryAttackParameters = implement(DictionaryAttackParameters, (tpm, { params }) => {
  tpm.da.setParameters(params.newMaxTries, params.newRecoveryTime, params.lockoutRecovery);
  return {};
});
