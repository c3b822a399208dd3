/** One page of a capability list: the entries returned and the moreData flag. */
export interface Page<T> {
  readonly items: T[];
  readonly more: boolean;
}

/**
 * The reference's paging over the entries from the starting property on: at most
 * min(`count`, `max`) of them (`max` = what fits in MAX_CAP_BUFFER); moreData when one more
 * entry exists beyond the page.
 */
export function takePage<T>(from: readonly T[], count: number, max: number): Page<T> {
  const n = Math.min(count, max);
  return { items: from.slice(0, n), more: from.length > n };
}

/** `takePage` over an ascending list, starting at the first entry whose key is at least `start`. */
export function page<T>(entries: readonly T[], keyOf: (e: T) => number, start: number, count: number, max: number): Page<T> {
  return takePage(
    entries.filter((e) => keyOf(e) >= start),
    count,
    max,
  );
}
