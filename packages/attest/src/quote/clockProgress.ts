import type { ClockInfo } from '@vtpm/tpm';
import { refuse } from '../refusal.js';

/** What the clock of a quote says relative to the last quote from the same AK. */
export interface ClockProgress {
  /** resetCount changed: the TPM was reset (a reboot) since the last quote. */
  rebooted: boolean;
  /** restartCount changed without a reset: a resume from hibernation / Restart. */
  restarted: boolean;
  /**
   * Clock is below the last quote's across a reboot while the TPM says Clock is not safe: the TPM
   * lost Clock updates in an unorderly shutdown. Reported, not refused; appraisal may warn.
   */
  clockRolledBack: boolean;
}

/**
 * Compares a quote's TPMS_CLOCK_INFO with the last one seen from the same AK. Counters are only
 * compared for equality: for keys outside the endorsement and platform hierarchies the TPM
 * obfuscates resetCount and restartCount (Part 1, 36.7), so their order means nothing.
 * Refused: Clock not advancing within one boot cycle (a replayed or rolled-back quote), and Clock
 * going back while the TPM vouches that it never reported a larger value (safe = YES).
 */
export function judgeClockProgress(current: ClockInfo, last?: ClockInfo): ClockProgress {
  if (!last) return { rebooted: false, restarted: false, clockRolledBack: false };
  const rebooted = current.resetCount !== last.resetCount;
  const restarted = !rebooted && current.restartCount !== last.restartCount;
  const sameCycle = !rebooted && !restarted;
  if (sameCycle && current.clock <= last.clock) {
    refuse('replayed-quote', `Clock ${current.clock} is not past the last quote's ${last.clock} from this AK in the same boot cycle (resetCount ${current.resetCount}, restartCount ${current.restartCount}): an older quote replayed or a rolled-back TPM`);
  }
  if (current.clock < last.clock && current.safe) {
    refuse('replayed-quote', `Clock ${current.clock} is below the last quote's ${last.clock} from this AK although the TPM reports Clock safe: an older quote replayed`);
  }
  return { rebooted, restarted, clockRolledBack: current.clock < last.clock };
}
