import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { fail } from '../errors.js';
import { MAX_LOADED_OBJECTS, type TransientObject } from './objectTable.js';

/** First handle of the platform's persistent range; below it (from 0x81000000) is the owner's (Part 2, 7.5). */
export const PLATFORM_PERSISTENT = 0x81800000;

export const isOwnerPersistentHandle = (h: number) => h >= 0x81000000 && h < PLATFORM_PERSISTENT;
export const isPlatformPersistentHandle = (h: number) => h >= PLATFORM_PERSISTENT && h <= 0x81ffffff;

/** What using a persistent object depends on: the enables and a free transient slot. */
export interface PersistentUse {
  readonly hierarchies: { isEnabled(hierarchy: number): boolean };
  readonly objects: { readonly count: number };
}

/**
 * Objects made persistent with EvictControl (Part 3, 28.5), by persistent handle. They stay until
 * EvictControl removes them, or Clear / ChangeEPS / ChangePPS flush their hierarchy.
 */
export class PersistentObjects {
  protected readonly objects = new Map<number, TransientObject>();

  get(handle: number): TransientObject | undefined {
    return this.objects.get(handle);
  }

  handles(): number[] {
    return [...this.objects.keys()].sort((a, b) => a - b);
  }

  get count(): number {
    return this.objects.size;
  }

  /** Stores an object (NV room is the caller's check: evictSpace.ts); TPM_RC_NV_DEFINED when the handle is taken. */
  add(handle: number, obj: TransientObject): void {
    if (this.objects.has(handle)) fail(TPM_RC.NV_DEFINED, 'persistent handle in use');
    this.objects.set(handle, obj);
  }

  remove(handle: number): boolean {
    return this.objects.delete(handle);
  }

  /** Removes every persistent object of a hierarchy (TPM2_Clear, ChangeEPS, ChangePPS). */
  removeHierarchy(hierarchy: number, hierarchyOf: (obj: TransientObject) => number): void {
    for (const [h, obj] of this.objects) if (hierarchyOf(obj) === hierarchy) this.objects.delete(h);
  }

  /**
   * The checks of the reference's ObjectLoadEvict, which copies a persistent object into a transient
   * slot for the command: the range's hierarchy must be enabled (the platform's by phEnable, every
   * other by shEnable, the EK included), else TPM_RC_HANDLE; a transient slot must be free, else
   * TPM_RC_OBJECT_MEMORY; the object must exist, else TPM_RC_HANDLE.
   */
  checkUsable(handle: number, use: PersistentUse): void {
    const hierarchy = isPlatformPersistentHandle(handle) ? TPM_RH.PLATFORM : TPM_RH.OWNER;
    if (!use.hierarchies.isEnabled(hierarchy)) fail(TPM_RC.HANDLE, 'the hierarchy of this persistent range is disabled');
    if (use.objects.count >= MAX_LOADED_OBJECTS) fail(TPM_RC.OBJECT_MEMORY, 'no transient slot to load the persistent object into');
    if (!this.objects.has(handle)) fail(TPM_RC.HANDLE, 'no persistent object at this handle');
  }
}
