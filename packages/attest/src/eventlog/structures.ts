/**
 * The event log's record structures (TCG PC Client Platform Firmware Profile, 10.2 and 10.4),
 * each declared once. Two layouts exist:
 *
 *   SHA-1 (legacy, TPM 1.2 style):  TCG_PCR_EVENT, TCG_PCR_EVENT, ...
 *   crypto-agile:                   TCG_PCR_EVENT  (EV_NO_ACTION, data = TCG_EfiSpecIdEvent "Spec ID Event03")
 *                                   TCG_PCR_EVENT2 (one digest per bank the Spec ID event declares), ...
 */
import { EventLogFormatError } from './eventLogFormatError.js';
import { LogDigestAt } from './logDigestAt.js';
import { countedList, fixedBytes, sizedBytes, struct, u16, u32, u8, type LeCodec } from './leCodec.js';

/** TCG_PCR_EVENT: the SHA-1 event; a whole legacy log, or the first record of a crypto-agile one. */
export const TCG_PCR_EVENT: LeCodec<TcgPcrEvent> = {
  name: 'TCG_PCR_EVENT',
  read(r) {
    const pcrIndex = r.u32();
    const eventType = r.u32();
    const digest = r.view(20, 'TCG_PCR_EVENT.digest');
    return { pcrIndex, eventType, digest, event: r.view(r.u32(), 'TCG_PCR_EVENT.event') };
  },
  write(w, v) {
    if (v.digest.length !== 20) throw new EventLogFormatError(`TCG_PCR_EVENT.digest: ${v.digest.length} bytes, expected 20`);
    w.u32(v.pcrIndex).u32(v.eventType).bytes(v.digest).u32(v.event.length).bytes(v.event);
  },
};
export interface TcgPcrEvent {
  pcrIndex: number;
  eventType: number;
  digest: Buffer;
  event: Buffer;
}

/** One entry of TCG_EfiSpecIdEvent.digestSizes: a bank the log carries and its digest size. */
export const TCG_EfiSpecIdEventAlgorithmSize = struct('TCG_EfiSpecIdEventAlgorithmSize', { algorithmId: u16, digestSize: u16 });
export interface AlgorithmSize {
  algorithmId: number;
  digestSize: number;
}

/** "Spec ID Event03" with its NUL: marks a crypto-agile (TCG_PCR_EVENT2) log. */
export const SPEC_ID_EVENT03_SIGNATURE = Buffer.from('Spec ID Event03\0', 'latin1');

/** Banks a Spec ID event may declare; far above any real TPM, low enough to bound a forged count. */
export const MAX_LOG_BANKS = 32;

/** TCG_EfiSpecIdEvent: the header event's data, naming the banks and their digest sizes. */
export const TCG_EfiSpecIdEvent = struct('TCG_EfiSpecIdEvent', {
  signature: fixedBytes('TCG_EfiSpecIdEvent.signature', 16),
  platformClass: u32,
  specVersionMinor: u8,
  specVersionMajor: u8,
  specErrata: u8,
  /** Size of UINTN in the UEFI structures of this log: 1 = UINT32, 2 = UINT64. */
  uintnSize: u8,
  digestSizes: countedList('TCG_EfiSpecIdEvent.digestSizes', TCG_EfiSpecIdEventAlgorithmSize, MAX_LOG_BANKS),
  vendorInfo: sizedBytes('TCG_EfiSpecIdEvent.vendorInfo', u8),
});
export type TcgEfiSpecIdEvent = ReturnType<typeof TCG_EfiSpecIdEvent.read>;

/** "StartupLocality" with its NUL: an EV_NO_ACTION event in PCR 0 giving the locality of TPM2_Startup. */
export const STARTUP_LOCALITY_SIGNATURE = Buffer.from('StartupLocality\0', 'latin1');
export const TCG_EfiStartupLocalityEvent = struct('TCG_EfiStartupLocalityEvent', {
  signature: fixedBytes('TCG_EfiStartupLocalityEvent.signature', 16),
  startupLocality: u8,
});

/** TPMT_HA as the log writes it: algorithm id, then a digest of the size the Spec ID event gives it. */
export interface LogDigest {
  algorithmId: number;
  digest: Buffer;
}

/** TCG_PCR_EVENT2: one measurement in a crypto-agile log. */
export interface TcgPcrEvent2 {
  pcrIndex: number;
  eventType: number;
  digests: LogDigest[];
  event: Buffer;
}

/**
 * TCG_PCR_EVENT2 for a log whose Spec ID event declared `digestSizes`. Digests of an algorithm we
 * cannot compute are still read, by the size the header declares. Each event must carry exactly
 * one digest per declared bank: a bank without its digest could not be replayed.
 */
export function tcgPcrEvent2Codec(digestSizes: readonly AlgorithmSize[]): LeCodec<TcgPcrEvent2> {
  const sizes = new Map(digestSizes.map((a) => [a.algorithmId, a.digestSize]));
  const banks = digestSizes.length;
  return {
    name: 'TCG_PCR_EVENT2',
    read(r) {
      const pcrIndex = r.u32();
      const eventType = r.u32();
      const countAt = r.offset;
      const count = r.u32();
      if (count !== banks) throw new EventLogFormatError(`TCG_PCR_EVENT2 has ${count} digests, the Spec ID event declares ${banks} banks`, countAt);
      const digests: LogDigest[] = [];
      for (let i = 0; i < count; i++) {
        const at = r.offset;
        const algorithmId = r.u16();
        const size = sizes.get(algorithmId);
        if (size === undefined) throw new EventLogFormatError(`digest algorithm 0x${algorithmId.toString(16).padStart(4, '0')} is not declared in the Spec ID event`, at);
        for (let j = 0; j < i; j++) if (digests[j]!.algorithmId === algorithmId) throw new EventLogFormatError(`two digests for algorithm 0x${algorithmId.toString(16).padStart(4, '0')}`, at);
        const start = r.offset;
        r.skip(size, 'TPMT_HA.digest');
        digests.push(new LogDigestAt(algorithmId, r.buf, start, size));
      }
      return { pcrIndex, eventType, digests, event: r.view(r.u32(), 'TCG_PCR_EVENT2.event') };
    },
    write(w, v) {
      w.u32(v.pcrIndex).u32(v.eventType).u32(v.digests.length);
      for (const d of v.digests) {
        const size = sizes.get(d.algorithmId);
        if (size !== d.digest.length) throw new EventLogFormatError(`digest for algorithm 0x${d.algorithmId.toString(16)}: ${d.digest.length} bytes, the Spec ID event says ${size}`);
        w.u16(d.algorithmId).bytes(d.digest);
      }
      w.u32(v.event.length).bytes(v.event);
    },
  };
}
