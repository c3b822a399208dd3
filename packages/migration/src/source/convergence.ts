export interface ConvergenceOptions {
  /**
   * Longest pause of the guest to aim for (default 300 ms, QEMU's default downtime limit): pre-copy
   * may end once the dirty pages left could be sent in this time at the measured bandwidth.
   */
  maxDowntimeMs?: number;
  /** Explicit override: end pre-copy once at most this many pages are dirty (maxDowntimeMs is then not used). */
  stopCopyThresholdPages?: number;
  /** Cap: end pre-copy after this many rounds whatever remains dirty (default 30). */
  maxRounds?: number;
  /**
   * Throttle the guest's vCPUs while its dirty rate outruns the link (default on, QEMU's schedule:
   * 20%, +10% per such round, at most 99%). false: never throttle (a guest dirtying as fast as the
   * link sends then runs to maxRounds and pauses for whatever is left).
   */
  autoConverge?: boolean | AutoConvergeOptions;
}

/** QEMU's cpu-throttle-initial, cpu-throttle-increment and max-cpu-throttle, in percent. */
export interface AutoConvergeOptions {
  initialPercent?: number;
  incrementPercent?: number;
  maxPercent?: number;
}

export const DEFAULT_MAX_DOWNTIME_MS = 300;
export const DEFAULT_MAX_ROUNDS = 30;
/** Another round is worth its time while it leaves at most this share of what it sent dirty. */
export const WORTHWHILE_ROUND_SHRINK = 0.75;

/** Milliseconds to send `pages` at `pagesPerMs` (Infinity while nothing is measured yet). */
export function transferMs(pages: number, pagesPerMs: number | undefined): number {
  if (pages === 0) return 0;
  return pagesPerMs ? pages / pagesPerMs : Infinity;
}

/** Where pre-copy stands at the end of a round. */
export interface RoundOutcome {
  round: number;
  /** Pages the round sent. */
  roundPages: number;
  /** Pages the guest dirtied meanwhile: what the next round, or stop-and-copy, sends. */
  dirtyPages: number;
  /** Measured send rate; undefined before anything was measured. */
  pagesPerMs: number | undefined;
}

export type StopReason = 'threshold' | 'downtime' | 'max-rounds';

/**
 * QEMU-style: stop-and-copy once what is still dirty fits the downtime budget at the measured
 * bandwidth, with one refinement: while rounds still shrink the dirty set (a round left at most
 * 3/4 of what it sent dirty), another round, no longer than the downtime it works on, cuts that
 * downtime by a quarter or more, so pre-copy goes on. The budget is a limit, not a target: a
 * stop right at it would leave no room for the rest of the pause (vCPU, vTPM and key records,
 * the destination's VM start, the prepared/commit round trip) or for a bandwidth that drops.
 * With the explicit page threshold instead, stop as soon as at most that many pages are dirty.
 * The round cap ends pre-copy for a guest that dirties about as fast as the link sends.
 */
export function stopReason(o: RoundOutcome, options: ConvergenceOptions): StopReason | undefined {
  if (options.stopCopyThresholdPages !== undefined) {
    if (o.dirtyPages <= options.stopCopyThresholdPages) return 'threshold';
  } else {
    const fits = transferMs(o.dirtyPages, o.pagesPerMs) <= (options.maxDowntimeMs ?? DEFAULT_MAX_DOWNTIME_MS);
    const stillShrinking = o.dirtyPages > 0 && o.dirtyPages <= o.roundPages * WORTHWHILE_ROUND_SHRINK;
    if (fits && !stillShrinking) return 'downtime';
  }
  return o.round >= (options.maxRounds ?? DEFAULT_MAX_ROUNDS) ? 'max-rounds' : undefined;
}

export const DEFAULT_AUTO_CONVERGE: Required<AutoConvergeOptions> = { initialPercent: 20, incrementPercent: 10, maxPercent: 99 };
/** QEMU's throttle-trigger-threshold: a round outruns the link when the guest dirtied more than this share of what it sent. */
export const THROTTLE_TRIGGER_SHARE = 0.5;

/** The throttle schedule `autoConverge` asks for (undefined: off), checked so a typo cannot throttle a guest to a stop. */
export function autoConvergeSchedule(autoConverge: ConvergenceOptions['autoConverge']): Required<AutoConvergeOptions> | undefined {
  if (autoConverge === false) return undefined;
  const schedule = { ...DEFAULT_AUTO_CONVERGE, ...(autoConverge === true || autoConverge === undefined ? {} : autoConverge) };
  for (const [name, value] of Object.entries(schedule)) {
    if (!Number.isFinite(value) || value < 1 || value > 99) throw new RangeError(`autoConverge.${name} must be a percentage from 1 to 99, got ${value}`);
  }
  if (schedule.initialPercent > schedule.maxPercent) throw new RangeError(`autoConverge.initialPercent (${schedule.initialPercent}) exceeds maxPercent (${schedule.maxPercent})`);
  return schedule;
}

/**
 * The guest throttle (percent of its vCPU time taken away) for the next round, QEMU-style: a round
 * whose guest dirtied more than half of what it sent outruns the link, so the throttle starts at
 * initialPercent, then rises by incrementPercent per such round up to maxPercent. It never falls
 * during a migration (a guest let loose again would outrun the link again). One deviation:
 * QEMU steps only every second such sync period (its periods are ~1 s); a round here is a
 * period already, so every round counts.
 */
export function nextThrottlePercent(current: number, o: Pick<RoundOutcome, 'roundPages' | 'dirtyPages'>, schedule: Required<AutoConvergeOptions> | undefined): number {
  if (!schedule || o.dirtyPages <= o.roundPages * THROTTLE_TRIGGER_SHARE) return current;
  return current === 0 ? schedule.initialPercent : Math.min(schedule.maxPercent, current + schedule.incrementPercent);
}
