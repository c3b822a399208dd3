import { NV_COMMANDS } from '../capability/commandAttributes.js';
import { NV_CLOCK_UPDATE_INTERVAL } from '../commands/clock.js';
import { TPM_CC, type CommandName } from '../constants/cc.js';
import { TPM_RC } from '../constants/rc.js';
import type { Tpm } from '../tpm.js';

/**
 * Commands after which the permanent state may have changed: every command Part 3 marks TPMA_CC.nv
 * (NV, hierarchies, DA parameters, Clock, PCR allocation, audit settings, Startup, Shutdown ...)
 * plus ClockRateAdjust, whose setting vtpm keeps with Clock.
 */
const CHANGING_CODES: ReadonlySet<number> = new Set([...NV_COMMANDS, 'ClockRateAdjust' as CommandName].map((name) => TPM_CC[name]));

/**
 * Permanent state any command may change on its way: authorization failures, lazily healed DA
 * failures, a DA-protected use since Startup, a new audit digest, Clock becoming safe.
 */
function sideEffectMarks(tpm: Tpm): unknown[] {
  const { da } = tpm;
  return [da.failedTries, da.lockoutAuthEnabled, da.daUsed, tpm.commandAudit.counter, tpm.clockUnsafeSince === null];
}

/** The Clock update interval each TPM was in after its last command: crossing into another is a write, as in the reference. */
const clockIntervals = new WeakMap<Tpm, bigint>();

function clockMovedOn(tpm: Tpm): boolean {
  const now = tpm.clock.clock / NV_CLOCK_UPDATE_INTERVAL;
  const last = clockIntervals.get(tpm);
  clockIntervals.set(tpm, now);
  return last !== undefined && last !== now;
}

/**
 * Wraps one command: bumps `tpm.permanentStateVersion` when the permanent state may have changed.
 * Conservative: a command of the changing set counts on success and on TPM_RC_FAILURE (it may have
 * stopped half way); any command counts when its side effects moved or Clock entered a new
 * NV update interval since the previous command.
 */
export function trackPermanentChanges(tpm: Tpm, command: Buffer, run: () => Buffer): Buffer {
  const before = sideEffectMarks(tpm);
  const response = run();
  const code = command.length >= 10 ? command.readUInt32BE(6) : -1;
  const rc = response.readUInt32BE(6);
  const byCommand = CHANGING_CODES.has(code) && (rc === TPM_RC.SUCCESS || rc === TPM_RC.FAILURE);
  const bySideEffect = sideEffectMarks(tpm).some((m, i) => m !== before[i]);
  if (clockMovedOn(tpm) || byCommand || bySideEffect) tpm.permanentStateVersion++;
  return response;
}
