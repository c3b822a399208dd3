import { createHash } from 'node:crypto';
import { EV } from './eventTypes.js';
import type { EventLog } from './eventLog.js';
import { logHashAlgorithm } from './hashAlgorithms.js';
import { encode, LeWriter } from './littleEndian.js';
import { SPEC_ID_EVENT03_SIGNATURE, TCG_EfiSpecIdEvent, TCG_PCR_EVENT, tcgPcrEvent2Codec, type LogDigest, type TcgEfiSpecIdEvent, type TcgPcrEvent2 } from './structures.js';

export interface EventLogWriterOptions {
  /** Banks the log carries, as TPM_ALG_IDs; default SHA-1, SHA-256, SHA-384, SHA-512 (swtpm's and vtpm's default banks). */
  algorithms?: readonly number[];
  /** TCG ACPI platform class: 0 client, 1 server. */
  platformClass?: number;
  vendorInfo?: Buffer;
}

const DEFAULT_ALGORITHMS = [0x0004, 0x000b, 0x000c, 0x000d];

/**
 * Writes a TCG PC Client crypto-agile event log, as firmware does while it measures: each
 * measurement is hashed into every bank, recorded, and handed back so the caller extends the TPM
 * with exactly the digests the log holds.
 */
export class EventLogWriter implements EventLog {
  readonly specId: TcgEfiSpecIdEvent;
  readonly events: TcgPcrEvent2[] = [];

  constructor(options: EventLogWriterOptions = {}) {
    const algorithms = options.algorithms ?? DEFAULT_ALGORITHMS;
    this.specId = {
      signature: SPEC_ID_EVENT03_SIGNATURE,
      platformClass: options.platformClass ?? 0,
      // Spec version 2.0, errata 0, as EDK2 writes it.
      specVersionMinor: 0,
      specVersionMajor: 2,
      specErrata: 0,
      uintnSize: 2, // UINTN is UINT64 in this (64-bit) firmware's structures
      digestSizes: algorithms.map((id) => ({ algorithmId: id, digestSize: logHashAlgorithm(id).digestSize })),
      vendorInfo: options.vendorInfo ?? Buffer.alloc(0),
    };
  }

  /** The digests of `content` in every bank of this log. */
  digestsOf(content: Uint8Array): LogDigest[] {
    return this.specId.digestSizes.map(({ algorithmId }) => ({
      algorithmId,
      digest: createHash(logHashAlgorithm(algorithmId).name).update(content).digest(),
    }));
  }

  /**
   * Records a measurement of `measured` (by default the event data itself, as for EV_SEPARATOR or
   * EV_EFI_VARIABLE_DRIVER_CONFIG; for an image it is the image, while the event data describes it).
   */
  measure(pcrIndex: number, eventType: number, eventData: Buffer, measured: Uint8Array = eventData): TcgPcrEvent2 {
    return this.append({ pcrIndex, eventType, digests: this.digestsOf(measured), event: eventData });
  }

  /** Records an informational EV_NO_ACTION event: zero digests, never extended. */
  noAction(pcrIndex: number, eventData: Buffer): TcgPcrEvent2 {
    const digests = this.specId.digestSizes.map(({ algorithmId, digestSize }) => ({ algorithmId, digest: Buffer.alloc(digestSize) }));
    return this.append({ pcrIndex, eventType: EV.NO_ACTION, digests, event: eventData });
  }

  /** Records an event whose digests were computed elsewhere. */
  append(event: TcgPcrEvent2): TcgPcrEvent2 {
    this.events.push(event);
    return event;
  }

  /** The log in its binary form (as in /sys/kernel/security/tpm0/binary_bios_measurements). */
  toBuffer(): Buffer {
    return serializeEventLog(this);
  }
}

export function serializeEventLog(log: EventLog): Buffer {
  const w = new LeWriter();
  TCG_PCR_EVENT.write(w, { pcrIndex: 0, eventType: EV.NO_ACTION, digest: Buffer.alloc(20), event: encode(TCG_EfiSpecIdEvent, log.specId) });
  const event2 = tcgPcrEvent2Codec(log.specId.digestSizes);
  for (const e of log.events) event2.write(w, e);
  return w.finish();
}
