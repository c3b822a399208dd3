import { HR } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { fail } from '../errors.js';

/** Anything that occupies a transient object slot: keys (later), hash/HMAC/event sequences. */
export interface TransientObject {
  readonly kind: string;
  /** The authValue used to authorize the object (USER role). */
  authValue: Buffer;
  /** The object's Name (for cpHash); sequences have the handle as name. */
  name(handle: number): Buffer;
}

/** swtpm/libtpms MAX_LOADED_OBJECTS: tools without a resource manager see TPM_RC_OBJECT_MEMORY beyond it. */
export const MAX_LOADED_OBJECTS = 3;

/** Transient object slots; handle = 0x80000000 + slot. */
export class ObjectTable {
  private slots: (TransientObject | undefined)[] = new Array(MAX_LOADED_OBJECTS);

  add(obj: TransientObject): number {
    const slot = this.slots.findIndex((s) => !s);
    if (slot < 0) fail(TPM_RC.OBJECT_MEMORY);
    this.slots[slot] = obj;
    return HR.TRANSIENT + slot;
  }

  get(handle: number): TransientObject | undefined {
    const i = handle - HR.TRANSIENT;
    return i >= 0 && i < this.slots.length ? this.slots[i] : undefined;
  }

  /** Puts an object back at its handle (state blobs); TPM_RC_HANDLE when that slot is out of range or taken. */
  place(handle: number, obj: TransientObject): void {
    const i = handle - HR.TRANSIENT;
    if (!(i >= 0 && i < this.slots.length) || this.slots[i]) fail(TPM_RC.HANDLE, 'transient slot out of range or taken');
    this.slots[i] = obj;
  }

  remove(handle: number): boolean {
    if (!this.get(handle)) return false;
    this.slots[handle - HR.TRANSIENT] = undefined;
    return true;
  }

  handles(): number[] {
    return this.slots.flatMap((s, i) => (s ? [HR.TRANSIENT + i] : []));
  }

  get count(): number {
    return this.slots.filter(Boolean).length;
  }

  clear(): void {
    this.slots = new Array(MAX_LOADED_OBJECTS);
  }
}
