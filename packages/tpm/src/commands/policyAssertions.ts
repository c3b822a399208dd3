import { TPM_CC } from '../constants/cc.js';
import { TPM_RC } from '../constants/rc.js';
import { TpmError, fail } from '../errors.js';
import { hash } from '../crypto/hashAlgorithms.js';
import { implement } from '../pipeline/handler.js';
import { policySessionAt } from '../sessions/policySessionAt.js';
import {
  PolicyAuthValue,
  PolicyCommandCode,
  PolicyCpHash,
  PolicyDuplicationSelect,
  PolicyGetDigest,
  PolicyLocality,
  PolicyNameHash,
  PolicyNvWritten,
  PolicyPassword,
  PolicyPhysicalPresence,
  PolicyRestart,
  PolicyTemplate,
} from '../spec/policy.js';

/**
 * Policy assertions that only record a deferred check (Part 3, 23): the digest is extended as
 * each command's "policyDigest_new" formula says; the check itself happens when the session
 * authorizes something.
 */

/**
 * Commands PolicyCommandCode may name: every TPM 2.0 command code (swtpm implements them all; one this
 * TPM lacks fails when it is sent, not when a policy names it).
 */
const KNOWN_COMMANDS: ReadonlySet<number> = new Set(Object.values(TPM_CC));

const byParam = (n: number) => (rc: number, why: string) => new TpmError(rc, why).forParameter(n);
const u8 = (v: number) => Buffer.from([v]);
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

/** 23.17: the HMAC key will include the entity's authValue. */
export const policyAuthValue = implement(PolicyAuthValue, (tpm, { handles }) => {
  const { policy } = policySessionAt(tpm, handles.policySession);
  policy.extend(TPM_CC.PolicyAuthValue);
  policy.isAuthValueNeeded = true;
  policy.isPasswordNeeded = false;
  return {};
});

/** 23.18: as PolicyAuthValue (same digest), but the authValue travels in the clear. */
export const policyPassword = implement(PolicyPassword, (tpm, { handles }) => {
  const { policy } = policySessionAt(tpm, handles.policySession);
  policy.extend(TPM_CC.PolicyAuthValue);
  policy.isPasswordNeeded = true;
  policy.isAuthValueNeeded = false;
  return {};
});

/** 23.11: only `code` may be authorized; a different earlier choice is TPM_RC_VALUE. */
export const policyCommandCode = implement(PolicyCommandCode, (tpm, { handles, params }) => {
  const { policy } = policySessionAt(tpm, handles.policySession);
  if (policy.commandCode !== 0 && policy.commandCode !== params.code) throw byParam(1)(TPM_RC.VALUE, 'another command code was chosen');
  if (!KNOWN_COMMANDS.has(params.code)) throw byParam(1)(TPM_RC.POLICY_CC, 'command not implemented');
  policy.extend(TPM_CC.PolicyCommandCode, u32(params.code));
  policy.commandCode = params.code;
  return {};
});

/** 23.12 */
export const policyPhysicalPresence = implement(PolicyPhysicalPresence, (tpm, { handles }) => {
  const { policy } = policySessionAt(tpm, handles.policySession);
  policy.extend(TPM_CC.PolicyPhysicalPresence);
  policy.isPPRequired = true;
  return {};
});

/** 23.13: binds the session to one command's cpHash. */
export const policyCpHash = implement(PolicyCpHash, (tpm, { handles, params }) => {
  const { policy } = policySessionAt(tpm, handles.policySession);
  const { cpHashA } = params;
  if (cpHashA.length !== policy.digest.length) throw byParam(1)(TPM_RC.SIZE, 'cpHashA is not a digest of the session hash');
  if (policy.boundDigest.length !== 0 && (policy.boundDigestKind !== 'cpHash' || !policy.boundDigest.equals(cpHashA))) fail(TPM_RC.CPHASH);
  policy.extend(TPM_CC.PolicyCpHash, cpHashA);
  policy.boundDigest = cpHashA;
  policy.boundDigestKind = 'cpHash';
  return {};
});

/** 23.14: binds the session to the Names of the handles of the command it authorizes. */
export const policyNameHash = implement(PolicyNameHash, (tpm, { handles, params }) => {
  const { policy } = policySessionAt(tpm, handles.policySession);
  const { nameHash } = params;
  if (nameHash.length !== policy.digest.length) throw byParam(1)(TPM_RC.SIZE, 'nameHash is not a digest of the session hash');
  if (policy.boundDigest.length !== 0) fail(TPM_RC.CPHASH);
  policy.extend(TPM_CC.PolicyNameHash, nameHash);
  policy.boundDigest = nameHash;
  policy.boundDigestKind = 'nameHash';
  return {};
});

/** 23.21: binds the session to the template of a Create / CreatePrimary / CreateLoaded. */
export const policyTemplate = implement(PolicyTemplate, (tpm, { handles, params }) => {
  const { policy } = policySessionAt(tpm, handles.policySession);
  const { templateHash } = params;
  if (policy.boundDigestKind === 'templateHash') {
    if (!policy.boundDigest.equals(templateHash)) throw byParam(1)(TPM_RC.VALUE, 'another template was chosen');
  } else if (policy.boundDigest.length !== 0) fail(TPM_RC.CPHASH);
  if (templateHash.length !== policy.digest.length) throw byParam(1)(TPM_RC.SIZE, 'templateHash is not a digest of the session hash');
  policy.extend(TPM_CC.PolicyTemplate, templateHash);
  policy.boundDigest = templateHash;
  policy.boundDigestKind = 'templateHash';
  return {};
});

/** 23.15: Duplicate of objectName (optionally in the digest) to newParentName only. */
export const policyDuplicationSelect = implement(PolicyDuplicationSelect, (tpm, { handles, params }) => {
  const { policy } = policySessionAt(tpm, handles.policySession);
  if (policy.boundDigest.length !== 0) fail(TPM_RC.CPHASH);
  if (policy.commandCode !== 0) fail(TPM_RC.COMMAND_CODE);
  const { objectName, newParentName, includeObject } = params;
  policy.boundDigest = hash(policy.hashAlg, objectName, newParentName);
  policy.boundDigestKind = 'nameHash';
  policy.extend(TPM_CC.PolicyDuplicationSelect, ...(includeObject ? [objectName] : []), newParentName, u8(includeObject ? 1 : 0));
  policy.commandCode = TPM_CC.Duplicate;
  return {};
});

/** 23.8: localities are ANDed with an earlier choice; an empty result, or mixing extended and normal ones, is TPM_RC_RANGE. */
export const policyLocality = implement(PolicyLocality, (tpm, { handles, params }) => {
  const { policy } = policySessionAt(tpm, handles.policySession);
  const requested = params.locality;
  const range = byParam(1)(TPM_RC.RANGE, 'locality');
  if (requested === 0) throw range;
  let setting = policy.locality;
  if (setting !== 0 && setting < 32 !== requested < 32) throw range;
  if (requested < 32) {
    setting = (setting === 0 ? 0x1f : setting) & requested;
    if (setting === 0) throw range;
  } else {
    if (setting !== 0 && setting !== requested) throw range;
    setting = requested;
  }
  policy.extend(TPM_CC.PolicyLocality, u8(requested));
  policy.locality = setting;
  return {};
});

/** 23.20: the authorized NV index must (or must not) have been written. */
export const policyNvWritten = implement(PolicyNvWritten, (tpm, { handles, params }) => {
  const { policy } = policySessionAt(tpm, handles.policySession);
  if (policy.nvWritten !== null && policy.nvWritten !== params.writtenSet) throw byParam(1)(TPM_RC.VALUE, 'the opposite was required before');
  policy.nvWritten = params.writtenSet;
  policy.extend(TPM_CC.PolicyNvWritten, u8(params.writtenSet ? 1 : 0));
  return {};
});

/** 23.19: the digest as it stands (a trial session's result). */
export const policyGetDigest = implement(PolicyGetDigest, (tpm, { handles }) => ({ policyDigest: policySessionAt(tpm, handles.policySession).policy.digest }));

/** 11.2 PolicyRestart: back to a zero digest without a new nonce or start time. */
export const policyRestart = implement(PolicyRestart, (tpm, { handles }) => {
  policySessionAt(tpm, handles.sessionHandle).policy.reset();
  return {};
});
