import type { AlgorithmSize, TcgEfiSpecIdEvent, TcgPcrEvent2 } from './structures.js';

/**
 * The two layouts of a TCG PC Client event log: `sha1` (TCG_PCR_EVENT records only, as TPM 1.2
 * era firmware and some TPM 2.0 firmware write it) and `crypto-agile` (a "Spec ID Event03"
 * header, then TCG_PCR_EVENT2 records with one digest per bank).
 */
export type EventLogFormat = 'sha1' | 'crypto-agile';

/** An event log being written, or parsed: its layout, its banks and its measurement records. */
export interface EventLog {
  format: EventLogFormat;
  /** The Spec ID Event03 header of a crypto-agile log. */
  specId?: TcgEfiSpecIdEvent;
  /** The banks every event carries a digest for: from the Spec ID event, or SHA-1 alone. */
  banks: readonly AlgorithmSize[];
  /** The measurement records; a legacy record's SHA-1 digest is its only entry in `digests`. */
  events: TcgPcrEvent2[];
}

/** A record as parsed, with where it was: for error messages and for naming the events behind a PCR. */
export interface ParsedEvent extends TcgPcrEvent2 {
  /** Record number in the file, from 0; in a crypto-agile log record 0 is the Spec ID header (as tpm2_eventlog's EventNum). */
  index: number;
  /** Byte offset of the record in the file. */
  offset: number;
}

export interface ParsedEventLog extends EventLog {
  events: ParsedEvent[];
}
