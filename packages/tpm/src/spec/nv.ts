import { none, struct, u16, u64 } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_RH_NV_AUTH, TPMI_RH_NV_INDEX, TPMI_RH_PLATFORM, TPMI_RH_PROVISION } from '../pipeline/handleTypes.js';
import { TPM2B_AUTH, TPM2B_MAX_NV_BUFFER, TPM2B_NAME } from '../structures/basic.js';
import { TPM2B_NV_PUBLIC } from '../structures/nvPublic.js';

// NV commands (Part 3, 31). Commands that read or write an index name the authorizing entity
// (owner, platform or the index itself) first and the index second.

const nvAuthHandles = [
  { name: 'authHandle', type: TPMI_RH_NV_AUTH, auth: 'USER' },
  { name: 'nvIndex', type: TPMI_RH_NV_INDEX },
] as const;

export const NV_DefineSpace = defineCommand({
  name: 'NV_DefineSpace',
  handles: [{ name: 'authHandle', type: TPMI_RH_PROVISION, auth: 'USER' }],
  params: struct('NV_DefineSpace', { auth: TPM2B_AUTH, publicInfo: TPM2B_NV_PUBLIC }),
  response: none,
});

export const NV_UndefineSpace = defineCommand({
  name: 'NV_UndefineSpace',
  handles: [
    { name: 'authHandle', type: TPMI_RH_PROVISION, auth: 'USER' },
    { name: 'nvIndex', type: TPMI_RH_NV_INDEX },
  ],
  params: none,
  response: none,
});

export const NV_UndefineSpaceSpecial = defineCommand({
  name: 'NV_UndefineSpaceSpecial',
  handles: [
    { name: 'nvIndex', type: TPMI_RH_NV_INDEX, auth: 'ADMIN' },
    { name: 'platform', type: TPMI_RH_PLATFORM, auth: 'USER' },
  ],
  params: none,
  response: none,
});

export const NV_ReadPublic = defineCommand({
  name: 'NV_ReadPublic',
  handles: [{ name: 'nvIndex', type: TPMI_RH_NV_INDEX }],
  params: none,
  response: struct('NV_ReadPublic.response', { nvPublic: TPM2B_NV_PUBLIC, nvName: TPM2B_NAME }),
});

export const NV_Write = defineCommand({
  name: 'NV_Write',
  handles: nvAuthHandles,
  params: struct('NV_Write', { data: TPM2B_MAX_NV_BUFFER, offset: u16 }),
  response: none,
});

export const NV_Increment = defineCommand({ name: 'NV_Increment', handles: nvAuthHandles, params: none, response: none });

export const NV_Extend = defineCommand({
  name: 'NV_Extend',
  handles: nvAuthHandles,
  params: struct('NV_Extend', { data: TPM2B_MAX_NV_BUFFER }),
  response: none,
});

export const NV_SetBits = defineCommand({
  name: 'NV_SetBits',
  handles: nvAuthHandles,
  params: struct('NV_SetBits', { bits: u64 }),
  response: none,
});

export const NV_WriteLock = defineCommand({ name: 'NV_WriteLock', handles: nvAuthHandles, params: none, response: none });

export const NV_GlobalWriteLock = defineCommand({
  name: 'NV_GlobalWriteLock',
  handles: [{ name: 'authHandle', type: TPMI_RH_PROVISION, auth: 'USER' }],
  params: none,
  response: none,
});

export const NV_Read = defineCommand({
  name: 'NV_Read',
  handles: nvAuthHandles,
  params: struct('NV_Read', { size: u16, offset: u16 }),
  response: struct('NV_Read.response', { data: TPM2B_MAX_NV_BUFFER }),
});

export const NV_ReadLock = defineCommand({ name: 'NV_ReadLock', handles: nvAuthHandles, params: none, response: none });

export const NV_ChangeAuth = defineCommand({
  name: 'NV_ChangeAuth',
  handles: [{ name: 'nvIndex', type: TPMI_RH_NV_INDEX, auth: 'ADMIN' }],
  params: struct('NV_ChangeAuth', { newAuth: TPM2B_AUTH }),
  response: none,
});
