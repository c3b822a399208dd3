import { TPM_CC } from '../constants/cc.js';
import { TPM_HT, TPM_RH, handleTypeOf } from '../constants/handles.js';
import type { AuthRole } from '../pipeline/commandSpec.js';
import { isPinIndex, pinUsable } from '../nv/nvPin.js';
import type { Tpm } from '../tpm.js';
import { entityAuthPolicy, keyAt, nvIndexAt } from './entity.js';

/**
 * Which kinds of authorization an entity accepts in a role (Part 1, 19.2; the reference's
 * IsPolicySessionRequired, IsAuthValueAvailable and IsAuthPolicyAvailable).
 */

/** NV commands that write: the index's AUTHWRITE / POLICYWRITE govern them, the READ attributes the others. */
const NV_WRITE_COMMANDS: ReadonlySet<number> = new Set([TPM_CC.NV_Write, TPM_CC.NV_Increment, TPM_CC.NV_SetBits, TPM_CC.NV_Extend, TPM_CC.NV_WriteLock]);

/** DUP always, and ADMIN unless the entity is an object without adminWithPolicy, need a policy session. */
export function isPolicySessionRequired(tpm: Tpm, role: AuthRole, entity: number): boolean {
  if (role === 'DUP') return true;
  if (role === 'ADMIN') {
    const key = keyAt(tpm, entity);
    if (key) return key.has('adminWithPolicy');
    const t = handleTypeOf(entity);
    return t !== TPM_HT.TRANSIENT && t !== TPM_HT.PERSISTENT; // sequences: no ADMIN policy
  }
  return false;
}

/** The authValue may authorize the entity in this role (an empty one counts). */
export function isAuthValueAvailable(tpm: Tpm, role: AuthRole, entity: number, commandCode: number): boolean {
  switch (handleTypeOf(entity)) {
    case TPM_HT.PERMANENT:
      return entity === TPM_RH.OWNER || entity === TPM_RH.ENDORSEMENT || entity === TPM_RH.PLATFORM || entity === TPM_RH.LOCKOUT || entity === TPM_RH.NULL;
    case TPM_HT.TRANSIENT:
    case TPM_HT.PERSISTENT: {
      const key = keyAt(tpm, entity);
      if (!key) return true; // sequence objects: always by authValue
      if (isPublicOnly(key)) return false;
      return key.has('userWithAuth') || (role === 'ADMIN' && !key.has('adminWithPolicy'));
    }
    case TPM_HT.NV_INDEX: {
      const nv = nvIndexAt(tpm, entity);
      if (!nv) return false;
      if (NV_WRITE_COMMANDS.has(commandCode)) return nv.has('AUTHWRITE');
      if (isPinIndex(nv)) return pinUsable(nv);
      return nv.has('AUTHREAD');
    }
    case TPM_HT.PCR:
      return true;
    default:
      return false;
  }
}

/** A policy may authorize the entity: hierarchies with a policy set, key objects, NV indices per their POLICY* attributes. */
export function isAuthPolicyAvailable(tpm: Tpm, role: AuthRole, entity: number, commandCode: number): boolean {
  switch (handleTypeOf(entity)) {
    case TPM_HT.PERMANENT:
      return entityAuthPolicy(tpm, entity).digest.length !== 0;
    case TPM_HT.TRANSIENT:
    case TPM_HT.PERSISTENT: {
      const key = keyAt(tpm, entity);
      return !!key && !isPublicOnly(key);
    }
    case TPM_HT.NV_INDEX: {
      const nv = nvIndexAt(tpm, entity);
      if (!nv || nv.authPolicy.length === 0) return false;
      if (isPolicySessionRequired(tpm, role, entity)) return true;
      return nv.has(NV_WRITE_COMMANDS.has(commandCode) ? 'POLICYWRITE' : 'POLICYREAD');
    }
    default:
      return false; // PCR policies (PCR_SetAuthPolicy) are not implemented
  }
}

/** An object loaded with its public part only (LoadExternal without a private part). */
function isPublicOnly(key: { external: boolean; sensitive: { sensitive: Buffer } }): boolean {
  return key.external && key.sensitive.sensitive.length === 0;
}
