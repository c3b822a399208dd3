/**
 * How long to measure: exactly `ops` operations when given, else for `seconds` (both: whichever
 * comes first), after `warmupSeconds` of unmeasured operations (JIT, caches, TCP windows).
 */
export interface Budget {
  ops?: number;
  seconds?: number;
  warmupSeconds: number;
  /** Measure at least this many operations, however long they take (slow rows: RSA prime search). */
  minOps?: number;
}

export interface Rate {
  ops: number;
  seconds: number;
  opsPerSecond: number;
}

function done(budget: { ops?: number; seconds?: number; minOps?: number }, n: number, elapsedMs: number): boolean {
  if (budget.minOps !== undefined && n < budget.minOps) return false;
  return (budget.ops !== undefined && n >= budget.ops) || (budget.seconds !== undefined && elapsedMs >= budget.seconds * 1000);
}

/** One operation at a time, each awaited (a sequential client). */
export async function measureAsync(op: () => Promise<unknown>, budget: Budget): Promise<Rate> {
  for (let n = 0, t0 = performance.now(); !done({ seconds: budget.warmupSeconds }, n, performance.now() - t0); n++) await op();
  let n = 0;
  const t0 = performance.now();
  while (!done(budget, n, performance.now() - t0)) {
    await op();
    n++;
  }
  return rate(n, performance.now() - t0);
}

/** A synchronous operation in a tight loop (TPM.execute in this process). */
export function measureSync(op: () => unknown, budget: Budget): Rate {
  for (let n = 0, t0 = performance.now(); !done({ seconds: budget.warmupSeconds }, n, performance.now() - t0); n++) op();
  let n = 0;
  const t0 = performance.now();
  while (!done(budget, n, performance.now() - t0)) {
    op();
    n++;
  }
  return rate(n, performance.now() - t0);
}

function rate(ops: number, ms: number): Rate {
  return { ops, seconds: ms / 1000, opsPerSecond: ms > 0 ? (ops * 1000) / ms : 0 };
}

/**
 * The median round (by rate), keeping every round's rate. Rounds of different targets are
 * interleaved by the caller, so a burst of noise (or the scheduler putting client and server on one
 * CPU for a while, which changes a ping-pong rate severalfold) hits one round, not one target.
 */
export function medianRound(rounds: Rate[]): Rate & { rounds: number[] } {
  if (rounds.length === 0) throw new Error('no rounds measured');
  const sorted = [...rounds].sort((a, b) => a.opsPerSecond - b.opsPerSecond);
  return { ...sorted[(sorted.length - 1) >> 1]!, rounds: rounds.map((r) => Math.round(r.opsPerSecond)) };
}
