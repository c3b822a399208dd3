import { TPM_ALG } from '../constants/alg.js';
import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { digestSize } from '../crypto/hashAlgorithms.js';
import { TpmError, fail } from '../errors.js';
import { flushHierarchyObjects, flushLoadedObjects } from '../objects/flushHierarchy.js';
import { implement } from '../pipeline/handler.js';
import { trimAuth } from '../sessions/sessionHmac.js';
import { ChangeEPS, ChangePPS, Clear, ClearControl, HierarchyChangeAuth, HierarchyControl, SetPrimaryPolicy } from '../spec/hierarchy.js';
import type { Tpm } from '../tpm.js';

/** Largest hierarchy authValue: the context integrity digest (SHA-512), as the reference checks. */
const MAX_HIERARCHY_AUTH = 64;

const byParam1 = (rc: number, why: string) => new TpmError(rc, why).forParameter(1);

/** A fresh proof: the hierarchy's tickets and saved contexts stop verifying. */
function renewProof(tpm: Tpm, hierarchy: number): void {
  tpm.hierarchies.proofs.set(hierarchy, tpm.random.bytes(tpm.hierarchies.proof(hierarchy).length));
}

/**
 * TPM2_HierarchyControl (Part 3, 24.2): platform authorization may change any enable; owner and
 * endorsement authorization may only disable their own hierarchy (TPM_RC_AUTH_TYPE otherwise). A
 * disabled hierarchy's loaded objects are flushed.
 */
export const hierarchyControl = implement(HierarchyControl, (tpm, { handles, params }) => {
  const auth = handles.authHandle;
  const { enable, state } = params;
  if (enable === TPM_RH.PLATFORM || enable === TPM_RH.PLATFORM_NV) {
    if (auth !== TPM_RH.PLATFORM) fail(TPM_RC.AUTH_TYPE, 'only platform authorization changes phEnable/phEnableNV');
  } else {
    if (auth !== TPM_RH.PLATFORM && auth !== enable) fail(TPM_RC.AUTH_TYPE, 'not the authorization of this hierarchy');
    if (state && !tpm.hierarchies.isEnabled(enable) && auth !== TPM_RH.PLATFORM) fail(TPM_RC.AUTH_TYPE, 'only platform authorization enables a hierarchy again');
  }
  if (tpm.hierarchies.isEnabled(enable) !== state) {
    tpm.hierarchies.enabled.set(enable, state);
    if (!state && enable !== TPM_RH.PLATFORM_NV) flushLoadedObjects(tpm, enable);
  }
  return {};
});

/** TPM2_SetPrimaryPolicy (Part 3, 24.3): the digest must have the size of hashAlg's digest (empty for TPM_ALG_NULL). */
export const setPrimaryPolicy = implement(SetPrimaryPolicy, (tpm, { handles, params }) => {
  const size = params.hashAlg === TPM_ALG.NULL ? 0 : digestSize(params.hashAlg);
  if (params.authPolicy.length !== size) throw byParam1(TPM_RC.SIZE, 'authPolicy size does not match hashAlg');
  tpm.hierarchies.policy.set(handles.authHandle, { hashAlg: params.hashAlg, digest: params.authPolicy });
  return {};
});

/** TPM2_ChangePPS (Part 3, 24.4): new PPS and phProof, no platformPolicy; platform objects are flushed. */
export const changePPS = implement(ChangePPS, (tpm) => {
  tpm.hierarchies.replaceSeed(TPM_RH.PLATFORM);
  tpm.hierarchies.policy.set(TPM_RH.PLATFORM, { hashAlg: TPM_ALG.NULL, digest: Buffer.alloc(0) });
  flushHierarchyObjects(tpm, TPM_RH.PLATFORM);
  return {};
});

/** TPM2_ChangeEPS (Part 3, 24.5): new EPS and ehProof; endorsement enabled, authValue and authPolicy cleared, its objects flushed. */
export const changeEPS = implement(ChangeEPS, (tpm) => {
  tpm.hierarchies.replaceSeed(TPM_RH.ENDORSEMENT);
  tpm.hierarchies.enabled.set(TPM_RH.ENDORSEMENT, true);
  tpm.hierarchies.clearAuthorization(TPM_RH.ENDORSEMENT);
  flushHierarchyObjects(tpm, TPM_RH.ENDORSEMENT);
  return {};
});

/**
 * TPM2_Clear (Part 3, 24.6): a new owner. New SPS, shProof and ehProof (the EPS stays); storage and
 * endorsement enabled; owner, endorsement and lockout authValues and policies cleared; their
 * objects (loaded and persistent) and the owner's NV indices removed; dictionary-attack
 * parameters back to defaults; Clock, resetCount and restartCount back to zero; PCR authValues cleared.
 */
export const clear = implement(Clear, (tpm) => {
  if (tpm.hierarchies.disableClear) fail(TPM_RC.DISABLED, 'TPM2_Clear is disabled (ClearControl)');
  tpm.hierarchies.replaceSeed(TPM_RH.OWNER);
  renewProof(tpm, TPM_RH.ENDORSEMENT);
  for (const h of [TPM_RH.OWNER, TPM_RH.ENDORSEMENT]) tpm.hierarchies.enabled.set(h, true);
  for (const h of [TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.LOCKOUT]) tpm.hierarchies.clearAuthorization(h);
  for (const h of [TPM_RH.OWNER, TPM_RH.ENDORSEMENT]) flushHierarchyObjects(tpm, h);
  tpm.nv.clearOwnerIndices();
  tpm.da.clear();
  tpm.clock.clock = 0n;
  tpm.clockUnsafeSince = null;
  tpm.resetCount = tpm.restartCount = 0;
  tpm.contexts.clearCount = 0;
  tpm.pcrAuth.clear();
  tpm.pcrs.updateCounter = (tpm.pcrs.updateCounter + 1) >>> 0;
  return {};
});

/** TPM2_ClearControl (Part 3, 24.7): lockout authorization may only set disableClear (TPM_RC_AUTH_FAIL otherwise). */
export const clearControl = implement(ClearControl, (tpm, { handles, params }) => {
  if (handles.auth === TPM_RH.LOCKOUT && !params.disable) fail(TPM_RC.AUTH_FAIL, 'only platform authorization clears disableClear');
  tpm.hierarchies.disableClear = params.disable;
  return {};
});

/** TPM2_HierarchyChangeAuth (Part 3, 24.8): the new authValue without trailing zeros, at most 64 octets. */
export const hierarchyChangeAuth = implement(HierarchyChangeAuth, (tpm, { handles, params }) => {
  const newAuth = Buffer.from(trimAuth(params.newAuth));
  if (newAuth.length > MAX_HIERARCHY_AUTH) throw byParam1(TPM_RC.SIZE, 'authValue too long');
  tpm.hierarchies.auth.set(handles.authHandle, newAuth);
  return {};
});
