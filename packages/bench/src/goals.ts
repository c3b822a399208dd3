/** The speeds the project's issues ask for; the report says for each row whether it is met. */
export const GOALS = {
  /** core: vtpm socket ops/s over swtpm socket ops/s. */
  socketOverSwtpm: 2,
  /** core: vtpm in-process execute() over swtpm socket ops/s. */
  inProcessOverSwtpmSocket: 10,
  /** keys and sessions: vtpm socket over swtpm socket, each row. */
  keysOverSwtpm: 1.5,
  /** attestation: Quote over the socket, vtpm over swtpm. */
  quoteOverSwtpm: 1.5,
  /** attestation: verifyQuote per second as a share of bare node:crypto verification of the same signature. */
  verifyQuoteOfNodeVerify: 0.8,
  /** attestation: event log parse + replay per second. */
  eventLogPerSecond: 10_000,
  /** migration: encrypted stream throughput as a share of the same pipeline unencrypted. */
  migrationEncryptedOfUnencrypted: 0.7,
  /** migration: most downtime (guest paused to committed) with a guest dirtying 1 % of its pages every 100 ms; QEMU's default limit. */
  migrationDowntimeMs: 300,
} as const;

/** "yes" or "NO" (capitals: it should stand out), or "n/a" when there is nothing to judge. */
export function metLabel(value: number | undefined, goal: number): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : value >= goal ? 'yes' : 'NO';
}
