import { EV } from './eventTypes.js';
import type { EventLog } from './eventLog.js';
import { decode, EventLogFormatError, LeReader } from './littleEndian.js';
import { SPEC_ID_EVENT03_SIGNATURE, TCG_EfiSpecIdEvent, TCG_PCR_EVENT, tcgPcrEvent2Codec } from './structures.js';

/**
 * Parses a crypto-agile event log: the TCG_PCR_EVENT header carrying "Spec ID Event03", then
 * TCG_PCR_EVENT2 records to the end. SHA-1-only (TPM 1.2 format) logs are refused.
 */
export function parseEventLog(buf: Buffer): EventLog {
  const r = new LeReader(buf);
  const header = TCG_PCR_EVENT.read(r);
  const isSpecId = header.eventType === EV.NO_ACTION && header.pcrIndex === 0 && header.event.subarray(0, 16).equals(SPEC_ID_EVENT03_SIGNATURE);
  if (!isSpecId) throw new EventLogFormatError('not a crypto-agile log: the first event is not an EV_NO_ACTION "Spec ID Event03" in PCR 0', 0);
  if (!header.digest.equals(Buffer.alloc(20))) throw new EventLogFormatError('Spec ID event digest must be zero', 8);
  const specId = decode(TCG_EfiSpecIdEvent, header.event);
  if (specId.digestSizes.length === 0) throw new EventLogFormatError('Spec ID event declares no hash algorithms');

  const event2 = tcgPcrEvent2Codec(specId.digestSizes);
  const events = [];
  while (r.remaining > 0) events.push(event2.read(r));
  return { specId, events };
}
