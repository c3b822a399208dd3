import { TPM_RH } from '../constants/handles.js';
import type { Tpm } from '../tpm.js';
import type { TransientObject } from './objectTable.js';
import { TpmKey } from './tpmKey.js';

/** The hierarchy an object belongs to; sequences and other temporary objects are in the null hierarchy. */
export function hierarchyOf(obj: TransientObject): number {
  return obj instanceof TpmKey ? obj.hierarchy : TPM_RH.NULL;
}

/** Flushes the loaded objects of a hierarchy (the reference's ObjectFlushHierarchy). */
export function flushLoadedObjects(tpm: Tpm, hierarchy: number): void {
  for (const h of tpm.objects.handles()) if (hierarchyOf(tpm.objects.get(h)!) === hierarchy) tpm.objects.remove(h);
}

/** Flushes loaded and persistent objects of a hierarchy (ChangeEPS, ChangePPS, Clear: ObjectFlushHierarchy + NvFlushHierarchy). */
export function flushHierarchyObjects(tpm: Tpm, hierarchy: number): void {
  flushLoadedObjects(tpm, hierarchy);
  tpm.persistent.removeHierarchy(hierarchy, hierarchyOf);
}
