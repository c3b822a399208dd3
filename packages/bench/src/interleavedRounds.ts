import { medianRound, type Rate } from './timing.js';

/** A cell's median round, with every round's rate. */
export type MedianRate = Rate & { rounds: number[] };

/** One column of a row: how to measure one round of it. */
export interface Cell<K extends string> {
  column: K;
  measure(): Promise<Rate>;
}

/** Measures a row's cells round by round in turn, so drift and noise spread over all of them; keeps each cell's median. */
export async function measureInterleaved<K extends string>(cells: readonly Cell<K>[], rounds: number): Promise<Partial<Record<K, MedianRate>>> {
  const measured = new Map<K, Rate[]>(cells.map((c) => [c.column, []]));
  for (let i = 0; i < rounds; i++) for (const c of cells) measured.get(c.column)!.push(await c.measure());
  const out: Partial<Record<K, MedianRate>> = {};
  for (const [column, rates] of measured) out[column] = medianRound(rates);
  return out;
}
