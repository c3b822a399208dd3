/** The parts of the benchmark `--suite` chooses between; `all` runs them in this order. */
export const SUITES = ['core', 'keys', 'attest'] as const;
export type Suite = (typeof SUITES)[number];

/** `core`, `keys`, `attest` or `all` (default). */
export function parseSuite(value: string): Suite[] {
  if (value === 'all') return [...SUITES];
  if ((SUITES as readonly string[]).includes(value)) return [value as Suite];
  throw new Error(`--suite must be ${SUITES.join(', ')} or all, got ${value}`);
}
