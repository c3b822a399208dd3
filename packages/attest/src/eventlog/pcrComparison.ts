import { EV, eventTypeName } from './eventTypes.js';
import type { EventLog, ParsedEvent } from './eventLog.js';
import { findLogHashAlgorithm, hashAlgorithmId, hashAlgorithmName } from './hashAlgorithms.js';
import { replayEventLog, type ReplayedPcrs } from './replay.js';
import type { TcgPcrEvent2 } from './structures.js';

/**
 * PCR values to hold a log against (from a quote, a TPM, a reference): bank -> PCR -> value.
 * Banks by TPM_ALG_ID or by name ("sha256"), values as bytes or hex, so quote results and JSON
 * (`{ "sha256": { "0": "3d45..." } }`) both fit.
 */
export type ExpectedPcrs = ReadonlyMap<number, ReadonlyMap<number, Uint8Array>> | Readonly<Record<string, Readonly<Record<string, string | Uint8Array>>>>;

/** An event behind a PCR, as a mismatch report names it. */
export interface EventReference {
  /** Record number (as tpm2_eventlog's EventNum), when the log was parsed. */
  index?: number;
  /** Byte offset of the record in the file, when the log was parsed. */
  offset?: number;
  eventType: number;
  eventTypeName: string;
  /** The event's digest in the mismatching bank (hex). */
  digest: string;
  /** False for EV_NO_ACTION: recorded, never extended. */
  extended: boolean;
}

export interface PcrMismatch {
  pcr: number;
  bank: string;
  algorithmId: number;
  expected: string;
  /** What the log replays to; absent when the log cannot replay this bank. */
  replayed?: string;
  /** Why there is no replayed value. */
  reason?: string;
  /** Every event the log records for this PCR, in order: the candidates for what was changed, dropped or added. */
  events: EventReference[];
}

export interface PcrComparisonResult {
  ok: boolean;
  /** Number of (bank, PCR) pairs that matched. */
  matched: number;
  mismatches: PcrMismatch[];
  /** PCRs the log extends that the expected values do not cover, per bank: their events are unverified. */
  uncovered: { bank: string; pcrs: number[] }[];
}

/**
 * Holds a log against expected PCR values: every expected (bank, PCR) must equal the replay. A
 * PCR the log never touches replays to its reset value. A mismatch names the PCR and bank and
 * lists the events behind it, so a report can say which measurements are in question.
 */
export function compareWithExpectedPcrs(log: EventLog, expected: ExpectedPcrs, replayed: ReplayedPcrs = replayEventLog(log)): PcrComparisonResult {
  const mismatches: PcrMismatch[] = [];
  let matched = 0;
  const expectedBanks = normalize(expected);
  for (const [algorithmId, pcrs] of expectedBanks) {
    const bank = hashAlgorithmName(algorithmId);
    const replayedBank = replayed.get(algorithmId);
    const reason = replayedBank ? undefined : !log.banks.some((b) => b.algorithmId === algorithmId) ? `the log carries no ${bank} bank` : `${bank} cannot be computed here`;
    for (const [pcr, value] of [...pcrs].sort(([a], [b]) => a - b)) {
      const actual = replayedBank ? (replayedBank.get(pcr) ?? resetValue(pcr, findLogHashAlgorithm(algorithmId)!.digestSize)) : undefined;
      if (actual && Buffer.from(value).equals(actual)) {
        matched++;
        continue;
      }
      mismatches.push({
        pcr,
        bank,
        algorithmId,
        expected: Buffer.from(value).toString('hex'),
        ...(actual ? { replayed: actual.toString('hex') } : { reason }),
        events: eventsBehind(log.events, pcr, algorithmId),
      });
    }
  }
  const uncovered = [...replayed].map(([algorithmId, pcrs]) => ({
    bank: hashAlgorithmName(algorithmId),
    pcrs: [...pcrs.keys()].filter((p) => !expectedBanks.get(algorithmId)?.has(p)),
  }));
  return { ok: mismatches.length === 0, matched, mismatches, uncovered: uncovered.filter((u) => u.pcrs.length > 0) };
}

/** One line per mismatch, e.g. for an error message or a CLI. */
export function describeMismatch(m: PcrMismatch): string {
  const got = m.replayed ? `the log replays to ${m.replayed}` : `the log cannot be replayed (${m.reason})`;
  const events = m.events.map((e) => `#${e.index ?? '?'} ${e.eventTypeName}${e.extended ? '' : ' (not extended)'} ${e.digest}`);
  return `PCR ${m.pcr} (${m.bank}): expected ${m.expected}, ${got}; events behind it: ${events.length ? events.join(', ') : 'none'}`;
}

function eventsBehind(events: readonly TcgPcrEvent2[], pcr: number, algorithmId: number): EventReference[] {
  return events
    .filter((e) => e.pcrIndex === pcr)
    .map((e) => {
      const p = e as Partial<ParsedEvent>;
      return {
        ...(p.index !== undefined ? { index: p.index, offset: p.offset } : {}),
        eventType: e.eventType,
        eventTypeName: eventTypeName(e.eventType),
        digest: e.digests.find((d) => d.algorithmId === algorithmId)?.digest.toString('hex') ?? '',
        extended: e.eventType !== EV.NO_ACTION,
      };
    });
}

/** The value a PCR has after TPM2_Startup(CLEAR): zeros, except PCRs 17-22 (DRTM), all ones until a dynamic launch. */
function resetValue(pcr: number, size: number): Buffer {
  return Buffer.alloc(size, pcr >= 17 && pcr <= 22 ? 0xff : 0);
}

function normalize(expected: ExpectedPcrs): Map<number, Map<number, Uint8Array>> {
  const out = new Map<number, Map<number, Uint8Array>>();
  const entries = expected instanceof Map ? [...expected] : Object.entries(expected as Record<string, Record<string, string | Uint8Array>>);
  for (const [bankKey, pcrs] of entries) {
    const algorithmId = hashAlgorithmId(bankKey);
    if (algorithmId === undefined) throw new Error(`unknown PCR bank "${bankKey}"`);
    const values = new Map<number, Uint8Array>();
    const pcrEntries = pcrs instanceof Map ? [...pcrs] : Object.entries(pcrs as Record<string, string | Uint8Array>);
    for (const [pcr, v] of pcrEntries) values.set(Number(pcr), typeof v === 'string' ? Buffer.from(v.replace(/^0x/i, ''), 'hex') : v);
    out.set(algorithmId, values);
  }
  return out;
}
