import { NV_SPACE } from '../nv/nvSpace.js';
import type { NvStore } from '../nv/nvStore.js';

/**
 * NV room for persistent objects, in the NV accounting the indices use (nv/nvSpace.ts): the
 * reference's NvTestSpace / NvCapGetPersistentAvail for an evict object. The space reserved for
 * MIN_EVICT_OBJECTS is theirs to use, and room for MIN_COUNTER_INDICES counters stays reserved.
 * A fresh swtpm 0.7.1 takes 65 persistent objects, then answers TPM_RC_NV_SPACE.
 */
function freeForObjects(nv: NvStore, persistentCount: number): number {
  const unusedReserve = Math.max(0, NV_SPACE.MIN_EVICT_OBJECTS - persistentCount) * NV_SPACE.EVICT_ENTRY;
  const counterReserve = Math.max(0, NV_SPACE.MIN_COUNTER_INDICES - nv.counterCount()) * NV_SPACE.COUNTER_ENTRY;
  return nv.space.available() + unusedReserve - counterReserve;
}

/** Whether EvictControl can store one more persistent object (else TPM_RC_NV_SPACE). */
export function evictObjectFits(nv: NvStore, persistentCount: number): boolean {
  return NV_SPACE.EVICT_ENTRY <= freeForObjects(nv, persistentCount);
}

/** TPM_PT_HR_PERSISTENT_AVAIL. */
export function persistentObjectsAvailable(nv: NvStore, persistentCount: number): number {
  return Math.floor(Math.max(0, freeForObjects(nv, persistentCount)) / NV_SPACE.EVICT_ENTRY);
}
