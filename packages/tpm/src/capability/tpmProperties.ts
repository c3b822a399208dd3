import { TPM_ALG } from '../constants/alg.js';
import { TPMA_PERMANENT, TPMA_STARTUP_CLEAR } from '../constants/attributes.js';
import { TPM_RH } from '../constants/handles.js';
import { TPM_PT } from '../constants/properties.js';
import { MAX_LOADED_OBJECTS } from '../objects/objectTable.js';
import { MAX_ACTIVE_SESSIONS, MAX_LOADED_SESSIONS } from '../sessions/sessionTable.js';
import { LIMITS } from '../structures/basic.js';
import { MAX_DIGEST_SIZE } from '../crypto/hashAlgorithms.js';
import type { Tpm } from '../tpm.js';
import { MAX_NV_INDEX_SIZE } from '../structures/nvPublic.js';
import { IMPLEMENTED_CURVES } from './algorithms.js';
import { persistentObjectsAvailable } from '../objects/evictSpace.js';

/** Four characters as a big-endian UINT32, zero padded (TPM_PT_MANUFACTURER, TPM_PT_VENDOR_STRING_x). */
const chars = (s: string): number => Buffer.from(s.padEnd(4, '\0'), 'latin1').readUInt32BE(0);

/** Specification this TPM follows: TPM 2.0 Library, revision 1.64 (as libtpms 0.9 reports). */
const SPEC = { family: chars('2.0'), level: 0, revision: 164, dayOfYear: 75, year: 2021 };

/**
 * The fixed properties (TPM_PT 0x100..). Values are swtpm 0.7.1's, so tools see the same limits,
 * except the vendor strings, which name vtpm ("vTPM" "TS" instead of "SW  " " TPM"). The
 * manufacturer stays swtpm's TCG-registered "IBM": tools key behaviour off it, and vtpm has no ID.
 * `commandCount` is the number of implemented commands.
 */
function fixedProperties(commandCount: number): Map<number, number> {
  return new Map([
    [TPM_PT.FAMILY_INDICATOR, SPEC.family],
    [TPM_PT.LEVEL, SPEC.level],
    [TPM_PT.REVISION, SPEC.revision],
    [TPM_PT.DAY_OF_YEAR, SPEC.dayOfYear],
    [TPM_PT.YEAR, SPEC.year],
    [TPM_PT.MANUFACTURER, chars('IBM')],
    [TPM_PT.VENDOR_STRING_1, chars('vTPM')],
    [TPM_PT.VENDOR_STRING_2, chars('TS')],
    [TPM_PT.VENDOR_STRING_3, 0],
    [TPM_PT.VENDOR_STRING_4, 0],
    [TPM_PT.VENDOR_TPM_TYPE, 1],
    [TPM_PT.FIRMWARE_VERSION_1, 0x20191023],
    [TPM_PT.FIRMWARE_VERSION_2, 0x00163636],
    [TPM_PT.INPUT_BUFFER, LIMITS.MAX_DIGEST_BUFFER],
    [TPM_PT.HR_TRANSIENT_MIN, MAX_LOADED_OBJECTS],
    [TPM_PT.HR_PERSISTENT_MIN, 7],
    [TPM_PT.HR_LOADED_MIN, MAX_LOADED_SESSIONS],
    [TPM_PT.ACTIVE_SESSIONS_MAX, MAX_ACTIVE_SESSIONS],
    [TPM_PT.PCR_COUNT, LIMITS.PCR_COUNT],
    [TPM_PT.PCR_SELECT_MIN, LIMITS.PCR_SELECT_MIN],
    [TPM_PT.CONTEXT_GAP_MAX, 0xffff],
    [TPM_PT.NV_COUNTERS_MAX, 0],
    [TPM_PT.NV_INDEX_MAX, MAX_NV_INDEX_SIZE],
    [TPM_PT.MEMORY, 0x6], // TPMA_MEMORY: sharedNV, objectCopiedToRam
    [TPM_PT.CLOCK_UPDATE, 1 << 12],
    [TPM_PT.CONTEXT_HASH, TPM_ALG.SHA512],
    [TPM_PT.CONTEXT_SYM, TPM_ALG.AES],
    [TPM_PT.CONTEXT_SYM_SIZE, 256],
    [TPM_PT.ORDERLY_COUNT, 255],
    [TPM_PT.MAX_COMMAND_SIZE, LIMITS.MAX_COMMAND_SIZE],
    [TPM_PT.MAX_RESPONSE_SIZE, LIMITS.MAX_RESPONSE_SIZE],
    [TPM_PT.MAX_DIGEST, MAX_DIGEST_SIZE],
    [TPM_PT.MAX_OBJECT_CONTEXT, 0xa84],
    [TPM_PT.MAX_SESSION_CONTEXT, 0x194],
    [TPM_PT.PS_FAMILY_INDICATOR, SPEC.family],
    [TPM_PT.PS_LEVEL, SPEC.level],
    [TPM_PT.PS_REVISION, SPEC.revision],
    [TPM_PT.PS_DAY_OF_YEAR, SPEC.dayOfYear],
    [TPM_PT.PS_YEAR, SPEC.year],
    [TPM_PT.SPLIT_MAX, 128],
    [TPM_PT.TOTAL_COMMANDS, commandCount],
    [TPM_PT.LIBRARY_COMMANDS, commandCount],
    [TPM_PT.VENDOR_COMMANDS, 0],
    [TPM_PT.NV_BUFFER_MAX, LIMITS.MAX_NV_BUFFER_SIZE],
    [TPM_PT.MODES, 0],
    [TPM_PT.MAX_CAP_BUFFER, LIMITS.MAX_CAP_BUFFER],
  ]);
}

function permanentAttributes(tpm: Tpm): number {
  const set = (h: number) => (tpm.hierarchyAuth.get(h)?.length ?? 0) > 0;
  let v = TPMA_PERMANENT.tpmGeneratedEPS;
  if (set(TPM_RH.OWNER)) v |= TPMA_PERMANENT.ownerAuthSet;
  if (set(TPM_RH.ENDORSEMENT)) v |= TPMA_PERMANENT.endorsementAuthSet;
  if (set(TPM_RH.LOCKOUT)) v |= TPMA_PERMANENT.lockoutAuthSet;
  if (tpm.hierarchies.disableClear) v |= TPMA_PERMANENT.disableClear;
  if (tpm.da.inLockout) v |= TPMA_PERMANENT.inLockout;
  return v;
}

function startupClearAttributes(tpm: Tpm): number {
  const { phEnable, shEnable, ehEnable, phEnableNV, orderly } = TPMA_STARTUP_CLEAR;
  const enabled = (h: number, bit: number) => (tpm.hierarchies.enabled.get(h) ? bit : 0);
  const v =
    enabled(TPM_RH.PLATFORM, phEnable) | enabled(TPM_RH.OWNER, shEnable) | enabled(TPM_RH.ENDORSEMENT, ehEnable) | enabled(TPM_RH.PLATFORM_NV, phEnableNV);
  return (v | (tpm.orderlyStartup ? orderly : 0)) >>> 0;
}

/**
 * The variable properties (TPM_PT 0x200..). Space estimates, dictionary-attack and audit values
 * are swtpm's for a fresh TPM until those features keep state of their own.
 */
function variableProperties(tpm: Tpm): Map<number, number> {
  const sessions = tpm.sessions.loadedCount;
  const persistent = tpm.persistent.handles().length;
  return new Map([
    [TPM_PT.PERMANENT, permanentAttributes(tpm)],
    [TPM_PT.STARTUP_CLEAR, startupClearAttributes(tpm)],
    [TPM_PT.HR_NV_INDEX, tpm.nv.handles().length],
    [TPM_PT.HR_LOADED, sessions],
    [TPM_PT.HR_LOADED_AVAIL, MAX_LOADED_SESSIONS - sessions],
    [TPM_PT.HR_ACTIVE, tpm.sessions.activeCount],
    [TPM_PT.HR_ACTIVE_AVAIL, MAX_ACTIVE_SESSIONS - tpm.sessions.activeCount],
    [TPM_PT.HR_TRANSIENT_AVAIL, MAX_LOADED_OBJECTS - tpm.objects.count],
    [TPM_PT.HR_PERSISTENT, persistent],
    [TPM_PT.HR_PERSISTENT_AVAIL, persistentObjectsAvailable(tpm.nv, persistent)],
    [TPM_PT.NV_COUNTERS, tpm.nv.counterCount()],
    [TPM_PT.NV_COUNTERS_AVAIL, tpm.nv.countersAvailable()],
    [TPM_PT.ALGORITHM_SET, 0],
    [TPM_PT.LOADED_CURVES, IMPLEMENTED_CURVES.length],
    [TPM_PT.LOCKOUT_COUNTER, tpm.da.failedTries],
    [TPM_PT.MAX_AUTH_FAIL, tpm.da.maxTries],
    [TPM_PT.LOCKOUT_INTERVAL, tpm.da.recoveryTime],
    [TPM_PT.LOCKOUT_RECOVERY, tpm.da.lockoutRecovery],
    [TPM_PT.NV_WRITE_RECOVERY, 0],
    [TPM_PT.AUDIT_COUNTER_0, Number(tpm.commandAudit.counter >> 32n)],
    [TPM_PT.AUDIT_COUNTER_1, Number(tpm.commandAudit.counter & 0xffffffffn)],
  ]);
}

const PT_GROUP = 0x100;

/**
 * The defined properties of the group `property` falls in, from `property` on, ascending
 * (TPMCapGetProperties: below 0x100 starts at 0x100; a page never crosses from the fixed group
 * into the variable one; beyond the variable group there is nothing).
 */
export function tpmPropertiesFrom(tpm: Tpm, property: number, commandCount: number): { property: number; value: number }[] {
  const start = Math.max(property, TPM_PT.FIXED);
  if (start >= TPM_PT.VAR + PT_GROUP) return [];
  const group = start < TPM_PT.VAR ? fixedProperties(commandCount) : variableProperties(tpm);
  const groupEnd = (Math.floor(start / PT_GROUP) + 1) * PT_GROUP;
  return [...group]
    .filter(([pt]) => pt >= start && pt < groupEnd)
    .sort(([a], [b]) => a - b)
    .map(([pt, value]) => ({ property: pt, value: value >>> 0 }));
}
