/**
 * The log (or a structure inside it) is malformed. Says what was wrong and at which byte, so a
 * verifier can report a rejected log precisely; every parsing failure of untrusted log bytes is
 * one of these, never a RangeError or a crash.
 */
export class EventLogFormatError extends Error {
  constructor(
    readonly reason: string,
    readonly offset?: number,
  ) {
    super(offset === undefined ? reason : `${reason} (at byte ${offset})`);
    this.name = 'EventLogFormatError';
  }
}
