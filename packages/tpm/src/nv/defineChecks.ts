import { TPMA_NV, TPM_NT } from '../constants/attributes.js';
import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { digestSize } from '../crypto/hashAlgorithms.js';
import { TpmError } from '../errors.js';
import { trimAuth } from '../sessions/sessionHmac.js';
import { MAX_NV_INDEX_SIZE, type NvPublic } from '../structures/nvPublic.js';
import { LIMITS } from '../structures/basic.js';
import { nvTypeOf } from './nvIndex.js';

const IMPLEMENTED_TYPES = new Set<number>(Object.values(TPM_NT));

/**
 * The consistency checks of TPM2_NV_DefineSpace (Part 3, 31.3), in the reference's order, so that
 * a definition with several faults is refused with the same code as swtpm. Failures name the
 * authHandle (handle 1), `auth` (parameter 1) or `publicInfo` (parameter 2).
 */
export function checkDefinition(authHandle: number, auth: Buffer, pub: NvPublic, platformNvEnabled: boolean): void {
  const onPublic = (rc: number, why: string) => new TpmError(rc, why).forParameter(2);
  const a = pub.attributes;
  const is = (bit: number) => (a & bit) !== 0;
  const nameSize = digestSize(pub.nameAlg);
  const type = nvTypeOf(a);

  if (pub.authPolicy.length !== 0 && pub.authPolicy.length !== nameSize) throw onPublic(TPM_RC.SIZE, 'authPolicy is not a nameAlg digest');
  if (trimAuth(auth).length > nameSize) throw new TpmError(TPM_RC.SIZE, 'authValue longer than the nameAlg digest').forParameter(1);
  // Owner authorization is refused earlier when shEnable is clear; phEnableNV is checked here.
  if (authHandle === TPM_RH.PLATFORM && !platformNvEnabled) throw new TpmError(TPM_RC.HIERARCHY, 'phEnableNV is clear').forHandle(1);
  if (!IMPLEMENTED_TYPES.has(type)) throw onPublic(TPM_RC.ATTRIBUTES, `TPM_NT ${type} not implemented`);

  // Data sizes by type: ordinary within the implementation limit, extend a digest, the rest a UINT64.
  if (type === TPM_NT.ORDINARY ? pub.dataSize > MAX_NV_INDEX_SIZE : pub.dataSize !== (type === TPM_NT.EXTEND ? nameSize : 8)) {
    throw onPublic(TPM_RC.SIZE, `dataSize ${pub.dataSize} does not suit TPM_NT ${type}`);
  }
  if (type === TPM_NT.COUNTER && is(TPMA_NV.CLEAR_STCLEAR)) throw onPublic(TPM_RC.ATTRIBUTES, 'a counter cannot be cleared');
  // A PIN index can be written only by owner, platform or policy (its authValue is the PIN), and PIN fail needs NO_DA.
  if (type === TPM_NT.PIN_FAIL && !is(TPMA_NV.NO_DA)) throw onPublic(TPM_RC.ATTRIBUTES, 'PIN fail index without NO_DA');
  if ((type === TPM_NT.PIN_FAIL || type === TPM_NT.PIN_PASS) && (is(TPMA_NV.AUTHWRITE) || is(TPMA_NV.GLOBALLOCK) || is(TPMA_NV.WRITEDEFINE))) {
    throw onPublic(TPM_RC.ATTRIBUTES, 'PIN index with AUTHWRITE, GLOBALLOCK or WRITEDEFINE');
  }
  if (is(TPMA_NV.WRITTEN) || is(TPMA_NV.WRITELOCKED) || is(TPMA_NV.READLOCKED)) throw onPublic(TPM_RC.ATTRIBUTES, 'state attributes are set by the TPM');
  if (!is(TPMA_NV.OWNERREAD | TPMA_NV.PPREAD | TPMA_NV.AUTHREAD | TPMA_NV.POLICYREAD)) throw onPublic(TPM_RC.ATTRIBUTES, 'no way to read the index');
  if (!is(TPMA_NV.OWNERWRITE | TPMA_NV.PPWRITE | TPMA_NV.AUTHWRITE | TPMA_NV.POLICYWRITE)) throw onPublic(TPM_RC.ATTRIBUTES, 'no way to write the index');
  if (is(TPMA_NV.CLEAR_STCLEAR) && is(TPMA_NV.WRITEDEFINE)) throw onPublic(TPM_RC.ATTRIBUTES, 'CLEAR_STCLEAR with WRITEDEFINE');
  // The hierarchy that creates an index must be able to delete it.
  if (is(TPMA_NV.PLATFORMCREATE) !== (authHandle === TPM_RH.PLATFORM)) {
    throw new TpmError(TPM_RC.ATTRIBUTES, 'PLATFORMCREATE must match the authorizing hierarchy').forHandle(1);
  }
  if (is(TPMA_NV.POLICY_DELETE) && authHandle !== TPM_RH.PLATFORM) throw onPublic(TPM_RC.ATTRIBUTES, 'POLICY_DELETE needs the platform');
  if (pub.dataSize > LIMITS.MAX_NV_BUFFER_SIZE && is(TPMA_NV.WRITEALL)) throw onPublic(TPM_RC.SIZE, 'WRITEALL index larger than one NV_Write');
}
