import type { TcgEfiSpecIdEvent, TcgPcrEvent2 } from './structures.js';

/** A parsed (or being written) crypto-agile event log: its Spec ID header and its measurement records. */
export interface EventLog {
  specId: TcgEfiSpecIdEvent;
  events: TcgPcrEvent2[];
}
