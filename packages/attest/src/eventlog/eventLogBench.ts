import { parseEventLog } from './eventLogParser.js';
import { replayEventLog, type ReplayOptions } from './replay.js';

export interface EventLogBenchResult {
  name: string;
  iterations: number;
  seconds: number;
  perSecond: number;
}

/**
 * Parse + replay of one log (every bank, or `replay.banks`), repeated for about `seconds` after a
 * warm-up: the number a verifier cares about when it checks many hosts' logs. For the bench
 * package to print.
 */
export function benchEventLogReplay(bytes: Buffer, seconds = 1, name = 'event log parse + replay', replay: ReplayOptions = {}): EventLogBenchResult {
  const once = () => replayEventLog(parseEventLog(bytes), replay);
  for (let i = 0; i < 200; i++) once();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let iterations = 0;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 50; i++) once();
    iterations += 50;
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  return { name, iterations, seconds: elapsed, perSecond: iterations / elapsed };
}
