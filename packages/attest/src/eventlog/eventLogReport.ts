import { describeEventData, type EventDataDescription } from './eventDataDescription.js';
import { eventTypeName } from './eventTypes.js';
import type { EventLogFormat } from './eventLog.js';
import { parseEventLog } from './eventLogParser.js';
import { hashAlgorithmName } from './hashAlgorithms.js';
import { replayEventLog, startupLocality } from './replay.js';
import { uintnBytes } from './uintn.js';

export interface ReportedEvent {
  /** Record number in the file (the Spec ID header of a crypto-agile log is record 0). */
  index: number;
  offset: number;
  pcr: number;
  type: number;
  typeName: string;
  /** bank name -> hex digest */
  digests: Record<string, string>;
  size: number;
  /** The decoded event data, when the type has a known structure (see describeEventData). */
  data?: EventDataDescription;
  dataHex: string;
}

export interface EventLogReport {
  format: EventLogFormat;
  specId?: {
    platformClass: number;
    specVersion: string;
    specErrata: number;
    uintnSize: number;
    algorithms: { algorithm: string; algorithmId: number; digestSize: number }[];
    vendorInfo: string;
  };
  banks: string[];
  /** From a StartupLocality event, when the log has one. */
  startupLocality?: number;
  events: ReportedEvent[];
  /** The replay: bank name -> PCR index -> hex value, for every bank node:crypto can hash. */
  pcrs: Record<string, Record<number, string>>;
}

/**
 * Everything a log says, JSON-ready (what `vtpm attest eventlog FILE --json` prints): its
 * header, each event with its digests and decoded data, and the PCR values it replays to.
 * Throws EventLogFormatError when the log's framing is malformed; malformed event data only
 * shows as that event's `data.decodeError`.
 */
export function eventLogReport(bytes: Uint8Array): EventLogReport {
  const log = parseEventLog(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const uintn = uintnBytes(log.specId?.uintnSize);
  const pcrs: EventLogReport['pcrs'] = {};
  for (const [algorithmId, values] of replayEventLog(log)) pcrs[hashAlgorithmName(algorithmId)] = Object.fromEntries([...values].map(([pcr, v]) => [pcr, v.toString('hex')]));
  const locality = log.events.map(startupLocality).find((l) => l !== undefined);
  return {
    format: log.format,
    ...(log.specId
      ? {
          specId: {
            platformClass: log.specId.platformClass,
            specVersion: `${log.specId.specVersionMajor}.${log.specId.specVersionMinor}`,
            specErrata: log.specId.specErrata,
            uintnSize: log.specId.uintnSize,
            algorithms: log.specId.digestSizes.map((d) => ({ algorithm: hashAlgorithmName(d.algorithmId), algorithmId: d.algorithmId, digestSize: d.digestSize })),
            vendorInfo: log.specId.vendorInfo.toString('hex'),
          },
        }
      : {}),
    banks: log.banks.map((b) => hashAlgorithmName(b.algorithmId)),
    ...(locality !== undefined ? { startupLocality: locality } : {}),
    events: log.events.map((e) => {
      const data = describeEventData(e.eventType, e.event, uintn);
      return {
        index: e.index,
        offset: e.offset,
        pcr: e.pcrIndex,
        type: e.eventType,
        typeName: eventTypeName(e.eventType),
        digests: Object.fromEntries(e.digests.map((d) => [hashAlgorithmName(d.algorithmId), d.digest.toString('hex')])),
        size: e.event.length,
        ...(data ? { data } : {}),
        dataHex: e.event.toString('hex'),
      };
    }),
    pcrs,
  };
}
