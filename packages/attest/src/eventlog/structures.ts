/**
 * The crypto-agile event log's structures (TCG PC Client Platform Firmware Profile, 10.2 and 10.4),
 * each declared once. Layout of a log:
 *
 *   TCG_PCR_EVENT   (SHA-1 format header: EV_NO_ACTION whose data is a TCG_EfiSpecIdEvent)
 *   TCG_PCR_EVENT2  (one per measurement, one digest per bank the Spec ID event lists)
 *   TCG_PCR_EVENT2  ...
 */
import { countedList, EventLogFormatError, fixedBytes, sizedBytes, struct, u16, u32, u8, type LeCodec } from './littleEndian.js';

/** TCG_PCR_EVENT: the SHA-1 (TPM 1.2 style) event; in a crypto-agile log only the first record. */
export const TCG_PCR_EVENT = struct('TCG_PCR_EVENT', {
  pcrIndex: u32,
  eventType: u32,
  digest: fixedBytes('TCG_PCR_EVENT.digest', 20),
  event: sizedBytes('TCG_PCR_EVENT.event', u32),
});
export type TcgPcrEvent = ReturnType<typeof TCG_PCR_EVENT.read>;

/** One entry of TCG_EfiSpecIdEvent.digestSizes: a bank the log carries. */
export const TCG_EfiSpecIdEventAlgorithmSize = struct('TCG_EfiSpecIdEventAlgorithmSize', { algorithmId: u16, digestSize: u16 });
export type AlgorithmSize = ReturnType<typeof TCG_EfiSpecIdEventAlgorithmSize.read>;

/** "Spec ID Event03" with its NUL: marks a crypto-agile (TCG_PCR_EVENT2) log. */
export const SPEC_ID_EVENT03_SIGNATURE = Buffer.from('Spec ID Event03\0', 'latin1');

/** TCG_EfiSpecIdEvent: the header event's data, naming the banks and their digest sizes. */
export const TCG_EfiSpecIdEvent = struct('TCG_EfiSpecIdEvent', {
  signature: fixedBytes('TCG_EfiSpecIdEvent.signature', 16),
  platformClass: u32,
  specVersionMinor: u8,
  specVersionMajor: u8,
  specErrata: u8,
  /** Size of UINTN in the UEFI structures of this log: 1 = UINT32, 2 = UINT64. */
  uintnSize: u8,
  digestSizes: countedList('TCG_EfiSpecIdEvent.digestSizes', TCG_EfiSpecIdEventAlgorithmSize, 16),
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

/** TPMT_HA for a log whose Spec ID event declared `digestSizes`. */
export function logDigestCodec(digestSizes: readonly AlgorithmSize[]): LeCodec<LogDigest> {
  const sizes = new Map(digestSizes.map((a) => [a.algorithmId, a.digestSize]));
  return {
    name: 'TPMT_HA',
    read(r) {
      const at = r.offset;
      const algorithmId = r.u16();
      const size = sizes.get(algorithmId);
      if (size === undefined) throw new EventLogFormatError(`digest algorithm 0x${algorithmId.toString(16)} not declared in the Spec ID event`, at);
      return { algorithmId, digest: r.bytes(size, 'TPMT_HA.digest') };
    },
    write(w, v) {
      const size = sizes.get(v.algorithmId);
      if (size !== v.digest.length) throw new EventLogFormatError(`digest for algorithm 0x${v.algorithmId.toString(16)}: ${v.digest.length} bytes, the Spec ID event says ${size}`);
      w.u16(v.algorithmId).bytes(v.digest);
    },
  };
}

/** TCG_PCR_EVENT2 for a log whose Spec ID event declared `digestSizes`. */
export function tcgPcrEvent2Codec(digestSizes: readonly AlgorithmSize[]) {
  return struct('TCG_PCR_EVENT2', {
    pcrIndex: u32,
    eventType: u32,
    digests: countedList('TPML_DIGEST_VALUES', logDigestCodec(digestSizes), 16),
    event: sizedBytes('TCG_PCR_EVENT2.event', u32),
  });
}
export interface TcgPcrEvent2 {
  pcrIndex: number;
  eventType: number;
  digests: LogDigest[];
  event: Buffer;
}
