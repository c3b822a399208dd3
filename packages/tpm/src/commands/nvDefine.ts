import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { digestSize } from '../crypto/hashAlgorithms.js';
import { TpmError, fail } from '../errors.js';
import { checkDefinition } from '../nv/defineChecks.js';
import { implement } from '../pipeline/handler.js';
import { trimAuth } from '../sessions/sessionHmac.js';
import { NV_ChangeAuth, NV_DefineSpace, NV_ReadPublic, NV_UndefineSpace, NV_UndefineSpaceSpecial } from '../spec/nv.js';

// Defining, deleting and describing NV indices (Part 3, 31.3-31.6 and 31.14).

export const nvDefineSpace = implement(NV_DefineSpace, (tpm, { handles, params }) => {
  checkDefinition(handles.authHandle, params.auth, params.publicInfo, tpm.hierarchies.isEnabled(TPM_RH.PLATFORM_NV));
  tpm.nv.define(params.publicInfo, Buffer.from(trimAuth(params.auth)));
  return {};
});

export const nvUndefineSpace = implement(NV_UndefineSpace, (tpm, { handles }) => {
  const index = tpm.nv.at(handles.nvIndex);
  if (index.has('POLICY_DELETE')) throw new TpmError(TPM_RC.ATTRIBUTES, 'a POLICY_DELETE index needs NV_UndefineSpaceSpecial').forHandle(2);
  // The owner may delete only what the owner created; the platform may delete either.
  if (handles.authHandle === TPM_RH.OWNER && index.has('PLATFORMCREATE')) fail(TPM_RC.NV_AUTHORIZATION, 'index was created by the platform');
  tpm.nv.remove(handles.nvIndex);
  return {};
});

export const nvUndefineSpaceSpecial = implement(NV_UndefineSpaceSpecial, (tpm, { handles }) => {
  const index = tpm.nv.at(handles.nvIndex);
  if (!index.has('POLICY_DELETE')) throw new TpmError(TPM_RC.ATTRIBUTES, 'only POLICY_DELETE indices').forHandle(1);
  tpm.nv.remove(handles.nvIndex);
  return {};
});

export const nvReadPublic = implement(NV_ReadPublic, (tpm, { handles }) => {
  const index = tpm.nv.at(handles.nvIndex);
  return { nvPublic: index.publicArea(), nvName: index.name() };
});

export const nvChangeAuth = implement(NV_ChangeAuth, (tpm, { handles, params }) => {
  const index = tpm.nv.at(handles.nvIndex);
  const newAuth = trimAuth(params.newAuth);
  if (newAuth.length > digestSize(index.nameAlg)) throw new TpmError(TPM_RC.SIZE, 'authValue longer than the nameAlg digest').forParameter(1);
  index.authValue = Buffer.from(newAuth);
  return {};
});
