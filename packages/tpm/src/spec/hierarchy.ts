import { none, struct, yesNo } from '../codec/codec.js';
import { TPM_RH } from '../constants/handles.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { handleType, TPMI_RH_CLEAR, TPMI_RH_ENABLES, TPMI_RH_HIERARCHY, TPMI_RH_HIERARCHY_AUTH, TPMI_RH_PLATFORM } from '../pipeline/handleTypes.js';
import { TPM2B_AUTH, TPM2B_DIGEST, TPMI_ALG_HASH_NULL } from '../structures/basic.js';

/** TPMI_RH_HIERARCHY_POLICY without ACT handles (vtpm, like swtpm 0.7.1's profile, has no ACTs). */
export const TPMI_RH_HIERARCHY_POLICY = handleType('TPMI_RH_HIERARCHY_POLICY', (h) =>
  [TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.LOCKOUT].includes(h as never),
);

/** Part 3, 24.2 */
export const HierarchyControl = defineCommand({
  name: 'HierarchyControl',
  handles: [{ name: 'authHandle', type: TPMI_RH_HIERARCHY, auth: 'USER' }],
  params: struct('HierarchyControl', { enable: TPMI_RH_ENABLES, state: yesNo }),
  response: none,
});

/** Part 3, 24.3 */
export const SetPrimaryPolicy = defineCommand({
  name: 'SetPrimaryPolicy',
  handles: [{ name: 'authHandle', type: TPMI_RH_HIERARCHY_POLICY, auth: 'USER' }],
  params: struct('SetPrimaryPolicy', { authPolicy: TPM2B_DIGEST, hashAlg: TPMI_ALG_HASH_NULL }),
  response: none,
});

/** Part 3, 24.4 */
export const ChangePPS = defineCommand({
  name: 'ChangePPS',
  handles: [{ name: 'authHandle', type: TPMI_RH_PLATFORM, auth: 'USER' }],
  params: none,
  response: none,
});

/** Part 3, 24.5 */
export const ChangeEPS = defineCommand({
  name: 'ChangeEPS',
  handles: [{ name: 'authHandle', type: TPMI_RH_PLATFORM, auth: 'USER' }],
  params: none,
  response: none,
});

/** Part 3, 24.6 */
export const Clear = defineCommand({
  name: 'Clear',
  handles: [{ name: 'authHandle', type: TPMI_RH_CLEAR, auth: 'USER' }],
  params: none,
  response: none,
});

/** Part 3, 24.7 */
export const ClearControl = defineCommand({
  name: 'ClearControl',
  handles: [{ name: 'auth', type: TPMI_RH_CLEAR, auth: 'USER' }],
  params: struct('ClearControl', { disable: yesNo }),
  response: none,
});

/** Part 3, 24.8 */
export const HierarchyChangeAuth = defineCommand({
  name: 'HierarchyChangeAuth',
  handles: [{ name: 'authHandle', type: TPMI_RH_HIERARCHY_AUTH, auth: 'USER' }],
  params: struct('HierarchyChangeAuth', { newAuth: TPM2B_AUTH }),
  response: none,
});
