import { EV } from './eventTypes.js';
import type { EventLog } from './eventLog.js';
import { findLogHashAlgorithm } from './hashAlgorithms.js';
import { PcrBankReplay } from './pcrBankReplay.js';
import { STARTUP_LOCALITY_SIGNATURE, type LogDigest, type TcgPcrEvent2 } from './structures.js';

/** PCR values recomputed from a log: bank (TPM_ALG_ID) -> PCR index -> value; only the PCRs the log touches. */
export type ReplayedPcrs = Map<number, Map<number, Buffer>>;

export interface ReplayOptions {
  /** Replay only these banks (TPM_ALG_IDs); default every bank the log carries that node:crypto can hash. */
  banks?: readonly number[];
}

/**
 * Recomputes the PCRs a log describes, independently of any TPM: each bank starts from its reset
 * value and is extended with the log's digests in order (PCR = H(PCR || digest)).
 *
 * The event type is not covered by any digest, so it is untrusted: the replay never skips or
 * treats an event differently because of its type, with the one exception the PC Client profile
 * makes: EV_NO_ACTION events are not extended. A StartupLocality EV_NO_ACTION in PCR 0 (before
 * anything extends PCR 0) sets PCR 0's starting value to 00..0L (TPM Part 1, 34.3; PFP 10.4.5.3),
 * which also covers an H-CRTM start (locality 4). Banks whose hash node:crypto cannot compute are
 * left out of the result.
 */
export function replayEventLog(log: EventLog, options: ReplayOptions = {}): ReplayedPcrs {
  const banks: PcrBankReplay[] = [];
  for (const { algorithmId } of log.banks) {
    const algorithm = findLogHashAlgorithm(algorithmId);
    if (algorithm && (!options.banks || options.banks.includes(algorithmId))) banks.push(new PcrBankReplay(algorithm));
  }
  // One pass over the events, every bank per event.
  for (const e of log.events) {
    if (e.eventType === EV.NO_ACTION) {
      const locality = startupLocality(e);
      if (locality !== undefined) for (const bank of banks) if (!bank.has(0)) bank.start(0, withLastByte(bank.algorithm.digestSize, locality));
      continue;
    }
    for (let k = 0; k < banks.length; k++) banks[k]!.extend(e.pcrIndex, digestIn(e, banks[k]!.algorithm.algorithmId, k));
  }
  return new Map(banks.map((b) => [b.algorithm.algorithmId, b.values()]));
}

/** The locality of a StartupLocality event (PCR 0, EV_NO_ACTION, "StartupLocality\0" + one byte), else undefined. */
export function startupLocality(e: TcgPcrEvent2): number | undefined {
  const isLocality = e.pcrIndex === 0 && e.eventType === EV.NO_ACTION && e.event.length === 17 && e.event.subarray(0, 16).equals(STARTUP_LOCALITY_SIGNATURE);
  return isLocality ? e.event[16] : undefined;
}

/** The event's digest for a bank; usually at the bank's own position, so look there first. */
function digestIn(e: TcgPcrEvent2, algorithmId: number, likely: number): LogDigest {
  const ds = e.digests;
  if (ds[likely]?.algorithmId === algorithmId) return ds[likely]!;
  for (let i = 0; i < ds.length; i++) if (ds[i]!.algorithmId === algorithmId) return ds[i]!;
  // The parser guarantees one digest per bank; a hand-built log may not.
  throw new Error(`an event in PCR ${e.pcrIndex} has no digest for algorithm 0x${algorithmId.toString(16)}`);
}

function withLastByte(size: number, value: number): Buffer {
  const b = Buffer.alloc(size);
  b[size - 1] = value;
  return b;
}
