import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEventLog, replayEventLog } from '@vtpm/attest';
import { algName } from '@vtpm/tpm';
import { measureInterleaved, type MedianRate } from './interleavedRounds.js';
import { measureSync, type Budget } from './timing.js';

/** The real firmware log the attestation target is stated for (a RHEL 8 UEFI machine). */
export const DEFAULT_EVENT_LOG = fileURLToPath(new URL('../../../attest/test/data/eventlogs/rhel8-uefi.bin', import.meta.url));

export interface EventLogRates {
  file: string;
  bytes: number;
  events: number;
  banks: string[];
  /** parseEventLog alone. */
  parse?: MedianRate;
  /** replayEventLog of the already parsed log, every bank. */
  replay?: MedianRate;
  /** parseEventLog then replayEventLog: what a verifier does with each host's log (the target). */
  parseAndReplay?: MedianRate;
}

type Column = 'parse' | 'replay' | 'parseAndReplay';

/** Event logs parsed and replayed per second, one log again and again in this process. */
export async function eventLogRates(path: string, budget: Budget, rounds: number): Promise<EventLogRates> {
  const bytes = readFileSync(path);
  const parsed = parseEventLog(bytes);
  const rates = await measureInterleaved<Column>(
    [
      { column: 'parse', measure: async () => measureSync(() => parseEventLog(bytes), budget) },
      { column: 'replay', measure: async () => measureSync(() => replayEventLog(parsed), budget) },
      { column: 'parseAndReplay', measure: async () => measureSync(() => replayEventLog(parseEventLog(bytes)), budget) },
    ],
    rounds,
  );
  return { file: basename(path), bytes: bytes.length, events: parsed.events.length, banks: parsed.banks.map((b) => algName(b.algorithmId)), ...rates };
}
