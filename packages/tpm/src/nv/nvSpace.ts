import { TPM_NT } from '../constants/attributes.js';
import type { NvIndex } from './nvIndex.js';

/**
 * NV memory accounting, so that TPM_RC_NV_SPACE comes at the same point as in swtpm 0.7.1
 * (libtpms 0.9). The reference keeps indices and persistent objects in one list in NV memory and
 * ORDERLY index data in a RAM area; the sizes below were measured against swtpm by filling it
 * with indices of different sizes and counting (they reproduce every fill point exactly):
 */
export const NV_SPACE = {
  /** Bytes for list entries in a fresh TPM, beyond the end marker and the reserve for MIN_EVICT_OBJECTS. */
  AVAILABLE: 152_932,
  /** One index entry without its data: link word (4) + the reference's NV_INDEX (148). */
  INDEX_ENTRY: 152,
  /** The link word every NvTestSpace reserves for the next entry. */
  LINK: 4,
  /** A counter index entry (NV_INDEX_COUNTER_SIZE); MIN_COUNTER_INDICES of them stay reserved. */
  COUNTER_ENTRY: 160,
  MIN_COUNTER_INDICES: 8,
  /** A persistent object entry (NV_EVICT_OBJECT_SIZE); MIN_EVICT_OBJECTS of them are pre-reserved. */
  EVICT_ENTRY: 2608,
  MIN_EVICT_OBJECTS: 7,
  /** RAM for ORDERLY index data (RAM_INDEX_SPACE), each with a 12-octet header. */
  ORDERLY_RAM: 512,
  ORDERLY_HEADER: 12,
} as const;

const isCounter = (i: { type: number }) => i.type === TPM_NT.COUNTER;

/** NV bytes an index occupies: ORDERLY data lives in RAM instead. */
function nvBytes(i: NvIndex): number {
  return NV_SPACE.INDEX_ENTRY + (i.has('ORDERLY') ? 0 : i.dataSize);
}

/** The free-space arithmetic of the reference's NvTestSpace / NvRamTestSpaceIndex / NvCapGetCounterAvail. */
export class NvSpace {
  constructor(
    private readonly indices: () => Iterable<NvIndex>,
    private readonly persistentCount: () => number,
  ) {}

  /** NV bytes left for new entries (persistent objects past the pre-reserved ones take their share). */
  available(): number {
    let used = Math.max(0, this.persistentCount() - NV_SPACE.MIN_EVICT_OBJECTS) * NV_SPACE.EVICT_ENTRY;
    for (const i of this.indices()) used += nvBytes(i);
    return NV_SPACE.AVAILABLE - used;
  }

  counterCount(): number {
    let n = 0;
    for (const i of this.indices()) if (isCounter(i)) n++;
    return n;
  }

  private orderlyRamFree(): number {
    let used = 0;
    for (const i of this.indices()) if (i.has('ORDERLY')) used += NV_SPACE.ORDERLY_HEADER + i.dataSize;
    return NV_SPACE.ORDERLY_RAM - used;
  }

  /** Whether an index with these properties can be added (space for the reserved counters is kept unless it is one). */
  fits(candidate: { type: number; orderly: boolean; dataSize: number }): boolean {
    const counter = candidate.type === TPM_NT.COUNTER;
    const missingCounters = Math.max(0, NV_SPACE.MIN_COUNTER_INDICES - this.counterCount());
    const reserved = NV_SPACE.LINK + (counter ? 0 : missingCounters * NV_SPACE.COUNTER_ENTRY);
    const size = NV_SPACE.INDEX_ENTRY - NV_SPACE.LINK + (candidate.orderly ? 0 : candidate.dataSize);
    if (size + reserved > this.available()) return false;
    return !candidate.orderly || NV_SPACE.ORDERLY_HEADER + candidate.dataSize <= this.orderlyRamFree();
  }

  /** TPM_PT_NV_COUNTERS_AVAIL: the smaller of what NV and the orderly RAM still hold. */
  countersAvailable(): number {
    const inNv = Math.floor(Math.max(0, this.available()) / NV_SPACE.COUNTER_ENTRY);
    const inRam = Math.floor(this.orderlyRamFree() / (NV_SPACE.ORDERLY_HEADER + 8));
    return Math.min(inNv, inRam);
  }
}
