import { TPM_RC } from '../constants/rc.js';
import { TpmError } from '../errors.js';
import { implement } from '../pipeline/handler.js';
import { ClockRateAdjust, ClockSet, ReadClock } from '../spec/clock.js';
import type { ClockInfo } from '../structures/time.js';
import type { Tpm } from '../tpm.js';

/** The reference saves Clock to NV whenever it crosses a multiple of 2^12 ms (TPM_PT_CLOCK_UPDATE). */
export const NV_CLOCK_UPDATE_INTERVAL = 4096n;
/** ClockSet may not go beyond this, so Clock cannot roll over (Part 3, 29.2). */
const CLOCK_SET_MAX = 0xffff000000000000n;

/**
 * TPMS_CLOCK_INFO now. `safe` is NO from an unorderly Startup until Clock is next saved to NV,
 * i.e. crosses an update interval boundary (swtpm 0.7.1 behaves so: unsafe until clock 4096).
 * Attestation structures carry the same value.
 */
export function currentClockInfo(tpm: Tpm): ClockInfo {
  const clock = tpm.clock.clock;
  const since = tpm.clockUnsafeSince;
  if (since !== null && clock / NV_CLOCK_UPDATE_INTERVAL > since / NV_CLOCK_UPDATE_INTERVAL) tpm.clockUnsafeSince = null;
  return { clock, resetCount: tpm.resetCount, restartCount: tpm.restartCount, safe: tpm.clockUnsafeSince === null };
}

/** Part 3, 29.1 */
export const readClock = implement(ReadClock, (tpm) => ({ currentTime: { time: tpm.clock.time, clockInfo: currentClockInfo(tpm) } }));

/** Part 3, 29.2: Clock only moves forward. Owner or platform authorization is checked by the pipeline. */
export const clockSet = implement(ClockSet, (tpm, { params }) => {
  const { newTime } = params;
  if (newTime > CLOCK_SET_MAX) throw new TpmError(TPM_RC.VALUE, 'newTime too large').forParameter(1);
  if (newTime < tpm.clock.clock) throw new TpmError(TPM_RC.VALUE, 'newTime is before the current Clock').forParameter(1);
  tpm.clock.clock = newTime;
  return {};
});

/** Part 3, 29.3: recorded only; the emulated oscillator does not drift. */
export const clockRateAdjust = implement(ClockRateAdjust, (tpm, { params }) => {
  tpm.clock.rateAdjust = params.rateAdjust;
  return {};
});
