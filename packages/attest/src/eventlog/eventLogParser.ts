import { EV } from './eventTypes.js';
import type { ParsedEventLog } from './eventLog.js';
import { EventLogFormatError } from './eventLogFormatError.js';
import { findLogHashAlgorithm, TPM_ALG_SHA1 } from './hashAlgorithms.js';
import { decodeLe, type LeCodec } from './leCodec.js';
import { LeReader } from './leReader.js';
import { SPEC_ID_EVENT03_SIGNATURE, TCG_EfiSpecIdEvent, TCG_PCR_EVENT, tcgPcrEvent2Codec, type TcgEfiSpecIdEvent, type TcgPcrEvent, type TcgPcrEvent2 } from './structures.js';

/**
 * Parses a TCG PC Client event log in either layout. A first record that is an EV_NO_ACTION in
 * PCR 0 carrying "Spec ID Event03" makes it crypto-agile; anything else is read as a SHA-1 log.
 *
 * The bytes are untrusted: every length is checked against what is left, every count is bounded,
 * and any inconsistency is an EventLogFormatError naming the record and the byte offset. Digests
 * and event data are views into `buf` (no copies, for speed): copy `buf` first if it will change.
 */
export function parseEventLog(buf: Buffer): ParsedEventLog {
  if (buf.length === 0) throw new EventLogFormatError('empty event log', 0);
  const first = readRecords(buf, 0, 0, TCG_PCR_EVENT, 1)[0]!;
  if (!isSpecIdHeader(first)) {
    const events = readRecords(buf, 0, 0, SHA1_RECORD);
    return { format: 'sha1', banks: [{ algorithmId: TPM_ALG_SHA1, digestSize: 20 }], events };
  }
  if (!first.digest.equals(ZERO_SHA1)) throw new EventLogFormatError('the Spec ID event digest must be zero', 8);
  const specId = decodeSpecId(first.event, HEADER_DATA_OFFSET);
  const events = readRecords(buf, HEADER_DATA_OFFSET + first.event.length, 1, tcgPcrEvent2Codec(specId.digestSizes));
  return { format: 'crypto-agile', specId, banks: specId.digestSizes, events };
}

/** Where the Spec ID event's data starts: after pcrIndex, eventType, the SHA-1 digest and eventSize. */
const HEADER_DATA_OFFSET = 32;
const ZERO_SHA1 = Buffer.alloc(20);
/** Largest digest a TPM bank can have (TPMU_HA: SHA-512, SHA3-512). */
const MAX_DIGEST_SIZE = 64;

function isSpecIdHeader(e: TcgPcrEvent): boolean {
  return e.pcrIndex === 0 && e.eventType === EV.NO_ACTION && e.event.subarray(0, 16).equals(SPEC_ID_EVENT03_SIGNATURE);
}

/** A legacy record, with its SHA-1 digest as the one entry of `digests`. */
const SHA1_RECORD: LeCodec<TcgPcrEvent2> = {
  name: 'TCG_PCR_EVENT',
  read(r) {
    const e = TCG_PCR_EVENT.read(r);
    return { pcrIndex: e.pcrIndex, eventType: e.eventType, digests: [{ algorithmId: TPM_ALG_SHA1, digest: e.digest }], event: e.event };
  },
  write: (w, v) => TCG_PCR_EVENT.write(w, { pcrIndex: v.pcrIndex, eventType: v.eventType, digest: v.digests[0]?.digest ?? Buffer.alloc(0), event: v.event }),
};

/** Records from `start` to the end of `buf` (or `limit` of them); a failure names its record. */
function readRecords<T extends object>(buf: Buffer, start: number, firstIndex: number, record: LeCodec<T>, limit = Infinity): (T & { index: number; offset: number })[] {
  const r = new LeReader(buf, start);
  const out: (T & { index: number; offset: number })[] = [];
  let index = firstIndex;
  let offset = start;
  try {
    for (; r.remaining > 0 && out.length < limit; index++) {
      offset = r.offset;
      const e = record.read(r) as T & { index: number; offset: number };
      e.index = index;
      e.offset = offset;
      out.push(e);
    }
  } catch (e) {
    if (e instanceof EventLogFormatError) throw new EventLogFormatError(`record ${index} (starting at byte ${offset}): ${e.reason}`, e.offset);
    throw e;
  }
  return out;
}

/** The Spec ID event's data, at `offset` in the file; its bank table must make sense. */
function decodeSpecId(data: Buffer, offset: number): TcgEfiSpecIdEvent {
  let specId: TcgEfiSpecIdEvent;
  try {
    specId = decodeLe(TCG_EfiSpecIdEvent, data);
  } catch (e) {
    if (e instanceof EventLogFormatError) throw new EventLogFormatError(`Spec ID event: ${e.reason}`, offset + (e.offset ?? 0));
    throw e;
  }
  if (specId.digestSizes.length === 0) throw new EventLogFormatError('the Spec ID event declares no hash algorithms', offset + 24);
  specId.digestSizes.forEach(({ algorithmId, digestSize }, i) => {
    const at = offset + 28 + 4 * i;
    const hex = `0x${algorithmId.toString(16).padStart(4, '0')}`;
    if (specId.digestSizes.findIndex((d) => d.algorithmId === algorithmId) !== i) throw new EventLogFormatError(`the Spec ID event declares algorithm ${hex} twice`, at);
    // An unknown algorithm is skipped by its declared size; a known one must have its real size.
    const known = findLogHashAlgorithm(algorithmId);
    if (known && known.digestSize !== digestSize) throw new EventLogFormatError(`the Spec ID event gives ${known.name} a ${digestSize}-byte digest, not ${known.digestSize}`, at);
    if (digestSize === 0 || digestSize > MAX_DIGEST_SIZE) throw new EventLogFormatError(`digest size ${digestSize} for algorithm ${hex} is outside 1..${MAX_DIGEST_SIZE}`, at);
  });
  return specId;
}
