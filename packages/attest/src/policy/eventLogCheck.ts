import { EV, compareWithExpectedPcrs, describeMismatch, eventTypeName, hashAlgorithmName, parseEventLog, replayEventLog, type EventLog, type ParsedEvent } from '../eventlog/index.js';
import type { PcrValues } from '../quote/pcrValues.js';
import type { AllowedEventDigests } from './referenceValues.js';

/** Problems found per quoted (bank, PCR), keyed "bank:pcr"; a pair without problems is not listed. */
export type EventLogProblems = Map<string, string[]>;

export const pcrKey = (bank: number, pcr: number) => `${bank}:${pcr}`;

/**
 * The seam to the event-log half of this package (src/eventlog): for every quoted PCR whose
 * reference values are event digests, the log must replay to the quoted value (it then describes
 * what was measured) and every event extended into it must carry an allowed digest.
 */
export function checkEventLog(eventLog: Buffer | undefined, quoted: PcrValues, allowed: AllowedEventDigests): EventLogProblems {
  const problems: EventLogProblems = new Map();
  const judged = new Map<number, Map<number, Buffer>>();
  for (const [bank, pcrs] of allowed) {
    for (const pcr of pcrs.keys()) {
      const value = quoted.get(bank)?.get(pcr);
      if (!value) continue;
      if (!judged.has(bank)) judged.set(bank, new Map());
      judged.get(bank)!.set(pcr, value);
    }
  }
  const add = (bank: number, pcr: number, problem: string) => problems.set(pcrKey(bank, pcr), [...(problems.get(pcrKey(bank, pcr)) ?? []), problem]);
  const everyJudged = (problem: string) => judged.forEach((pcrs, bank) => pcrs.forEach((_, pcr) => add(bank, pcr, problem)));
  if (!judged.size) return problems;
  if (!eventLog) {
    everyJudged('no event log in the evidence, and this PCR is judged by event digests');
    return problems;
  }
  let log: EventLog;
  try {
    log = parseEventLog(eventLog);
  } catch (e) {
    everyJudged(`the event log does not parse: ${e instanceof Error ? e.message : String(e)}`);
    return problems;
  }

  const comparison = compareWithExpectedPcrs(log, judged, replayEventLog(log, { banks: [...judged.keys()] }));
  for (const m of comparison.mismatches) add(m.algorithmId, m.pcr, `the event log does not replay to the quoted value: ${describeMismatch(m)}`);
  for (const e of log.events as ParsedEvent[]) {
    if (e.eventType === EV.NO_ACTION) continue;
    for (const d of e.digests) {
      const references = allowed.get(d.algorithmId)?.get(e.pcrIndex);
      if (!references || !judged.get(d.algorithmId)?.has(e.pcrIndex)) continue;
      if (!references.some((r) => r.equals(d.digest))) {
        add(d.algorithmId, e.pcrIndex, `event #${e.index ?? '?'} (${eventTypeName(e.eventType)}) ${hashAlgorithmName(d.algorithmId)} digest ${d.digest.toString('hex')} is not an allowed reference value`);
      }
    }
  }
  return problems;
}

/** Reference event digests from a known-good log: every extended digest, per bank and PCR (optionally only `pcrs`). */
export function allowedEventDigestsFromLog(eventLog: Buffer, pcrs?: readonly number[]): AllowedEventDigests {
  const out = new Map<number, Map<number, Buffer[]>>();
  for (const e of parseEventLog(eventLog).events) {
    if (e.eventType === EV.NO_ACTION || (pcrs && !pcrs.includes(e.pcrIndex))) continue;
    for (const d of e.digests) {
      if (!out.has(d.algorithmId)) out.set(d.algorithmId, new Map());
      const bank = out.get(d.algorithmId)!;
      const list = bank.get(e.pcrIndex) ?? [];
      if (!list.some((x) => x.equals(d.digest))) list.push(Buffer.from(d.digest));
      bank.set(e.pcrIndex, list);
    }
  }
  return out;
}
