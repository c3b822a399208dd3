import { TPMA_CC } from '../constants/attributes.js';
import type { CommandName } from '../constants/cc.js';
import type { CommandSpec } from '../pipeline/commandSpec.js';

// TPMA_CC bits a descriptor cannot tell (Part 3 "Command Attributes"; the reference's
// CommandAttributeData.h, identical to what swtpm 0.7.1 reports).

/** The command may write NV (TPMA_CC.nv). */
export const NV_COMMANDS: ReadonlySet<CommandName> = new Set<CommandName>([
  'NV_UndefineSpaceSpecial', 'EvictControl', 'HierarchyControl', 'NV_UndefineSpace', 'ChangeEPS', 'ChangePPS', 'Clear',
  'ClearControl', 'ClockSet', 'HierarchyChangeAuth', 'NV_DefineSpace', 'PCR_Allocate', 'PCR_SetAuthPolicy', 'PP_Commands',
  'SetPrimaryPolicy', 'NV_GlobalWriteLock', 'GetCommandAuditDigest', 'NV_Increment', 'NV_SetBits', 'NV_Extend', 'NV_Write',
  'NV_WriteLock', 'DictionaryAttackLockReset', 'DictionaryAttackParameters', 'NV_ChangeAuth', 'PCR_Event', 'PCR_Reset',
  'SetAlgorithmSet', 'SetCommandCodeAuditStatus', 'FieldUpgradeData', 'IncrementalSelfTest', 'SelfTest', 'Startup',
  'Shutdown', 'StirRandom', 'NV_ReadLock', 'PCR_Extend', 'EventSequenceComplete',
]);
/** The command may flush many objects (a resource manager must reload what it needs). */
const EXTENSIVE: ReadonlySet<CommandName> = new Set<CommandName>(['HierarchyControl', 'ChangeEPS', 'ChangePPS', 'Clear']);
/** The transient object in the handle area is flushed when the command completes. */
const FLUSHED: ReadonlySet<CommandName> = new Set<CommandName>(['SequenceComplete', 'EventSequenceComplete']);

/** The TPMA_CC of an implemented command: index and flags, cHandles and rHandle from its descriptor. */
export function commandAttributes(spec: CommandSpec): number {
  let v = spec.code & 0xffff;
  if (NV_COMMANDS.has(spec.name)) v |= TPMA_CC.nv;
  if (EXTENSIVE.has(spec.name)) v |= TPMA_CC.extensive;
  if (FLUSHED.has(spec.name)) v |= TPMA_CC.flushed;
  v |= spec.handles.length << TPMA_CC.cHandlesShift;
  if (spec.responseHandle) v |= TPMA_CC.rHandle;
  return v >>> 0;
}

/** Commands that always need physical presence (the reference's default PP list; PP_Commands can add more). */
export const PP_REQUIRED: ReadonlySet<CommandName> = new Set<CommandName>(['PP_Commands']);

/** Commands audited from manufacture on (the reference's CommandAuditPreInstall_Init). */
export const AUDITED_BY_DEFAULT: ReadonlySet<CommandName> = new Set<CommandName>(['SetCommandCodeAuditStatus']);
