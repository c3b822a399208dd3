import { none, struct, u32 } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_RH_LOCKOUT } from '../pipeline/handleTypes.js';

/** Part 3, 25.2 */
export const DictionaryAttackLockReset = defineCommand({
  name: 'DictionaryAttackLockReset',
  handles: [{ name: 'lockHandle', type: TPMI_RH_LOCKOUT, auth: 'USER' }],
  params: none,
  response: none,
});

/** Part 3, 25.3 */
export const DictionaryAttackParameters = defineCommand({
  name: 'DictionaryAttackParameters',
  handles: [{ name: 'lockHandle', type: TPMI_RH_LOCKOUT, auth: 'USER' }],
  params: struct('DictionaryAttackParameters', { newMaxTries: u32, newRecoveryTime: u32, lockoutRecovery: u32 }),
  response: none,
});
