import { createHash } from 'node:crypto';
import { EV } from './eventTypes.js';
import type { EventLog, EventLogFormat } from './eventLog.js';
import { logHashAlgorithm, TPM_ALG_SHA1 } from './hashAlgorithms.js';
import { encodeLe } from './leCodec.js';
import { LeWriter } from './leWriter.js';
import { SPEC_ID_EVENT03_SIGNATURE, TCG_EfiSpecIdEvent, TCG_PCR_EVENT, tcgPcrEvent2Codec, type AlgorithmSize, type LogDigest, type TcgEfiSpecIdEvent, type TcgPcrEvent2 } from './structures.js';

export interface EventLogWriterOptions {
  /** `crypto-agile` (default) or `sha1`, the legacy layout (SHA-1 bank only, no header). */
  format?: EventLogFormat;
  /** Banks the log carries, as TPM_ALG_IDs; default SHA-1, SHA-256, SHA-384, SHA-512 (swtpm's and vtpm's default banks). */
  algorithms?: readonly number[];
  /** TCG ACPI platform class: 0 client, 1 server. */
  platformClass?: number;
  vendorInfo?: Buffer;
}

const DEFAULT_ALGORITHMS = [0x0004, 0x000b, 0x000c, 0x000d];

/**
 * Writes a TCG PC Client event log, as firmware does while it measures: each measurement is
 * hashed into every bank, recorded, and handed back so the caller extends the TPM with exactly the
 * digests the log holds.
 */
export class EventLogWriter implements EventLog {
  readonly format: EventLogFormat;
  readonly specId?: TcgEfiSpecIdEvent;
  readonly banks: readonly AlgorithmSize[];
  readonly events: TcgPcrEvent2[] = [];

  constructor(options: EventLogWriterOptions = {}) {
    this.format = options.format ?? 'crypto-agile';
    const algorithms = this.format === 'sha1' ? [TPM_ALG_SHA1] : (options.algorithms ?? DEFAULT_ALGORITHMS);
    if (this.format === 'sha1' && options.algorithms && (options.algorithms.length !== 1 || options.algorithms[0] !== TPM_ALG_SHA1)) {
      throw new Error('a sha1-format log carries the SHA-1 bank only');
    }
    this.banks = algorithms.map((id) => ({ algorithmId: id, digestSize: logHashAlgorithm(id).digestSize }));
    if (this.format === 'crypto-agile') {
      this.specId = {
        signature: SPEC_ID_EVENT03_SIGNATURE,
        platformClass: options.platformClass ?? 0,
        // Spec version 2.0, errata 0, as EDK2 writes it.
        specVersionMinor: 0,
        specVersionMajor: 2,
        specErrata: 0,
        uintnSize: 2, // UINTN is UINT64 in this (64-bit) firmware's structures
        digestSizes: [...this.banks],
        vendorInfo: options.vendorInfo ?? Buffer.alloc(0),
      };
    }
  }

  /** The digests of `content` in every bank of this log. */
  digestsOf(content: Uint8Array): LogDigest[] {
    return this.banks.map(({ algorithmId }) => ({ algorithmId, digest: createHash(logHashAlgorithm(algorithmId).name).update(content).digest() }));
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
    const digests = this.banks.map(({ algorithmId, digestSize }) => ({ algorithmId, digest: Buffer.alloc(digestSize) }));
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

/** The binary form of a log, in its own layout; parseEventLog(serializeEventLog(log)) gives the log back. */
export function serializeEventLog(log: EventLog): Buffer {
  const w = new LeWriter();
  if (log.format === 'sha1') {
    for (const e of log.events) {
      const sha1 = e.digests.find((d) => d.algorithmId === TPM_ALG_SHA1);
      if (!sha1 || e.digests.length !== 1) throw new Error('a sha1-format log record carries exactly one SHA-1 digest');
      TCG_PCR_EVENT.write(w, { pcrIndex: e.pcrIndex, eventType: e.eventType, digest: sha1.digest, event: e.event });
    }
    return w.finish();
  }
  if (!log.specId) throw new Error('a crypto-agile log needs its Spec ID event');
  TCG_PCR_EVENT.write(w, { pcrIndex: 0, eventType: EV.NO_ACTION, digest: Buffer.alloc(20), event: encodeLe(TCG_EfiSpecIdEvent, log.specId) });
  const event2 = tcgPcrEvent2Codec(log.specId.digestSizes);
  for (const e of log.events) event2.write(w, e);
  return w.finish();
}
