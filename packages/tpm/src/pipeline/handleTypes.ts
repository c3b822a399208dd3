import { TPM_RH, HR } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { fail } from '../errors.js';
import { LIMITS } from '../structures/basic.js';
import { u32, type Codec } from '../codec/codec.js';

/** A handle interface type (TPMI_DH_*, TPMI_RH_*): a u32 restricted by a predicate; otherwise TPM_RC_VALUE. */
export function handleType(name: string, accepts: (h: number) => boolean): Codec<number> {
  return {
    name,
    read(r) {
      const h = u32.read(r);
      if (!accepts(h)) fail(TPM_RC.VALUE, `${name}: handle 0x${h.toString(16).padStart(8, '0')}`);
      return h;
    },
    write: (w, v) => void w.u32(v),
  };
}

const inRange = (h: number, first: number, size = 0x01000000) => h >= first && h < first + size;
const oneOf = (...hs: number[]) => (h: number) => hs.includes(h);

export const TPMI_DH_PCR = handleType('TPMI_DH_PCR', (h) => h < LIMITS.PCR_COUNT);
export const TPMI_DH_PCR_NULL = handleType('TPMI_DH_PCR+', (h) => h < LIMITS.PCR_COUNT || h === TPM_RH.NULL);
export const TPMI_RH_PLATFORM = handleType('TPMI_RH_PLATFORM', oneOf(TPM_RH.PLATFORM));
export const TPMI_RH_OWNER = handleType('TPMI_RH_OWNER', oneOf(TPM_RH.OWNER));
export const TPMI_RH_ENDORSEMENT = handleType('TPMI_RH_ENDORSEMENT', oneOf(TPM_RH.ENDORSEMENT));
export const TPMI_RH_LOCKOUT = handleType('TPMI_RH_LOCKOUT', oneOf(TPM_RH.LOCKOUT));
export const TPMI_RH_PROVISION = handleType('TPMI_RH_PROVISION', oneOf(TPM_RH.OWNER, TPM_RH.PLATFORM));
export const TPMI_RH_CLEAR = handleType('TPMI_RH_CLEAR', oneOf(TPM_RH.LOCKOUT, TPM_RH.PLATFORM));
export const TPMI_RH_HIERARCHY = handleType('TPMI_RH_HIERARCHY', oneOf(TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM));
export const TPMI_RH_HIERARCHY_NULL = handleType('TPMI_RH_HIERARCHY+', oneOf(TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.NULL));
export const TPMI_DH_OBJECT = handleType('TPMI_DH_OBJECT', (h) => inRange(h, HR.TRANSIENT) || inRange(h, HR.PERSISTENT));
export const TPMI_DH_OBJECT_NULL = handleType('TPMI_DH_OBJECT+', (h) => inRange(h, HR.TRANSIENT) || inRange(h, HR.PERSISTENT) || h === TPM_RH.NULL);
export const TPMI_DH_ENTITY_NULL = handleType(
  'TPMI_DH_ENTITY+',
  (h) =>
    oneOf(TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.LOCKOUT, TPM_RH.NULL)(h) ||
    inRange(h, HR.TRANSIENT) || inRange(h, HR.PERSISTENT) || inRange(h, HR.NV_INDEX) || h < LIMITS.PCR_COUNT ||
    (h >= TPM_RH.AUTH_00 && h <= TPM_RH.AUTH_FF),
);
export const TPMI_DH_CONTEXT = handleType('TPMI_DH_CONTEXT', (h) => inRange(h, HR.HMAC_SESSION) || inRange(h, HR.POLICY_SESSION) || inRange(h, HR.TRANSIENT));
export const TPMI_DH_SAVED = handleType(
  'TPMI_DH_SAVED',
  (h) => inRange(h, HR.HMAC_SESSION) || inRange(h, HR.POLICY_SESSION) || (h >= 0x80000000 && h <= 0x80000002),
);
export const TPMI_SH_POLICY = handleType('TPMI_SH_POLICY', (h) => inRange(h, HR.POLICY_SESSION));
/** TPMI_SH_AUTH_SESSION (with TPM_RS_PW allowed, as in an authorization area). */
export const TPMI_SH_AUTH_SESSION = handleType('TPMI_SH_AUTH_SESSION', (h) => inRange(h, HR.HMAC_SESSION) || inRange(h, HR.POLICY_SESSION) || h === TPM_RH.PW);
export const TPMI_RH_NV_INDEX = handleType('TPMI_RH_NV_INDEX', (h) => inRange(h, HR.NV_INDEX));
export const TPMI_RH_NV_AUTH = handleType('TPMI_RH_NV_AUTH', (h) => oneOf(TPM_RH.OWNER, TPM_RH.PLATFORM)(h) || inRange(h, HR.NV_INDEX));
export const TPMI_DH_PERSISTENT = handleType('TPMI_DH_PERSISTENT', (h) => inRange(h, HR.PERSISTENT));
export const TPMI_RH_ENABLES = handleType('TPMI_RH_ENABLES', oneOf(TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.PLATFORM_NV));
export const TPMI_RH_HIERARCHY_AUTH = handleType('TPMI_RH_HIERARCHY_AUTH', oneOf(TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.LOCKOUT));
export const TPMI_DH_PARENT_NULL = handleType(
  'TPMI_DH_PARENT+',
  (h) => oneOf(TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.NULL)(h) || inRange(h, HR.TRANSIENT) || inRange(h, HR.PERSISTENT),
);
/** TPMI_DH_ENTITY: an entity with an authValue or authPolicy (PolicySecret's authHandle); TPM_RH_NULL refused. */
export const TPMI_DH_ENTITY = handleType(
  'TPMI_DH_ENTITY',
  (h) =>
    oneOf(TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.LOCKOUT)(h) ||
    inRange(h, HR.TRANSIENT) || inRange(h, HR.PERSISTENT) || inRange(h, HR.NV_INDEX) || h < LIMITS.PCR_COUNT ||
    (h >= TPM_RH.AUTH_00 && h <= TPM_RH.AUTH_FF),
);
