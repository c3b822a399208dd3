import type { NewObject } from './generateObject.js';

/**
 * Recently derived primary objects, keyed by everything the derivation depends on (seed, template
 * Name, caller's sensitive data). RSA prime search is the slow part of CreatePrimary; the result is
 * a pure function of these inputs, so caching changes nothing a caller can observe.
 */
export class PrimaryCache {
  private readonly entries = new Map<string, NewObject>();
  constructor(private readonly capacity = 32) {}

  get(key: string, derive: () => NewObject): NewObject {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const v = derive();
    this.entries.set(key, v);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return v;
  }
}
