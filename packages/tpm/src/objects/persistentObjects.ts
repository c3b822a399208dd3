import type { TransientObject } from './objectTable.js';

/**
 * Objects made persistent with EvictControl (Part 3, 28.5), by persistent handle. Placeholder
 * shape that the pipeline already consults; EvictControl fills it.
 */
export class PersistentObjects {
  protected readonly objects = new Map<number, TransientObject>();

  get(handle: number): TransientObject | undefined {
    return this.objects.get(handle);
  }

  handles(): number[] {
    return [...this.objects.keys()].sort((a, b) => a - b);
  }
}
