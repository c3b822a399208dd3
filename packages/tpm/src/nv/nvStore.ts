import { TPM_NT } from '../constants/attributes.js';
import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { fail } from '../errors.js';
import type { NvPublic } from '../structures/nvPublic.js';
import { NvIndex } from './nvIndex.js';
import { NvSpace } from './nvSpace.js';
import { startupAttributes } from './nvStartup.js';

export { NvIndex } from './nvIndex.js';

/** Low counter bits an orderly counter may advance in RAM before it is saved (MAX_ORDERLY_COUNT; TPM_PT_ORDERLY_COUNT). */
export const MAX_ORDERLY_COUNT = 0xffn;

/** The kinds of Startup (Part 1, 12.2.2) as far as NV cares. */
export type StartupKind = 'reset' | 'restart' | 'resume';

/** Where the hierarchy enables come from (shEnable: TPM_RH_OWNER, phEnableNV: TPM_RH_PLATFORM_NV). */
export interface NvEnables {
  isEnabled(hierarchy: number): boolean;
}

/**
 * The NV indices of the TPM (Part 1, 37), by handle, and the state around them: the highest
 * value a deleted counter reached, the space they take, and what Startup and Shutdown do to them.
 */
export class NvStore {
  protected readonly indices = new Map<number, NvIndex>();
  /** Highest value of any counter index deleted so far: a new counter starts above it (Part 1, 37.2.2). */
  private maxCounter = 0n;
  readonly space: NvSpace;

  /** `persistentCount` tells how many persistent objects share the NV memory. */
  constructor(persistentCount: () => number = () => 0) {
    this.space = new NvSpace(() => this.indices.values(), persistentCount);
  }

  get(index: number): NvIndex | undefined {
    return this.indices.get(index);
  }

  /** The defined index at a handle; TPM_RC_HANDLE when there is none. */
  at(index: number): NvIndex {
    return this.indices.get(index) ?? fail(TPM_RC.HANDLE, 'NV index not defined');
  }

  /** Defined indices, ascending (GetCapability(HANDLES, NV range)). */
  handles(): number[] {
    return [...this.indices.keys()].sort((a, b) => a - b);
  }

  /** Whether an index may be used now: disabled hierarchies hide the indices they created (NvIndexIsAccessible). */
  isAccessible(index: number, enables: NvEnables): boolean {
    const i = this.indices.get(index);
    if (!i) return false;
    return enables.isEnabled(i.has('PLATFORMCREATE') ? TPM_RH.PLATFORM_NV : TPM_RH.OWNER);
  }

  /** Adds an index (checks done by the caller); TPM_RC_NV_DEFINED or TPM_RC_NV_SPACE when it cannot. */
  define(pub: NvPublic, authValue: Buffer): NvIndex {
    if (this.indices.has(pub.nvIndex)) fail(TPM_RC.NV_DEFINED, 'index already defined');
    const index = new NvIndex(pub, authValue);
    if (!this.space.fits({ type: index.type, orderly: index.has('ORDERLY'), dataSize: index.dataSize })) fail(TPM_RC.NV_SPACE, 'NV memory full');
    this.indices.set(pub.nvIndex, index);
    if (index.has('ORDERLY')) this.saveOrderly();
    return index;
  }

  /** Deletes an index; a written counter's value is remembered so no later counter can go below it. */
  remove(handle: number): void {
    const index = this.at(handle);
    if (index.type === TPM_NT.COUNTER && index.has('WRITTEN') && index.uint64 > this.maxCounter) this.maxCounter = index.uint64;
    this.indices.delete(handle);
    if (index.has('ORDERLY')) this.saveOrderly();
  }

  /** Writes index data, setting WRITTEN; an orderly counter's first value is saved to NV at once. */
  write(index: NvIndex, offset: number, bytes: Buffer): void {
    const first = !index.has('WRITTEN');
    index.write(offset, bytes);
    if (first && index.has('ORDERLY') && index.type === TPM_NT.COUNTER) this.saveOrderly();
  }

  /** The next value of a counter: one above its current value, or above maxCounter on the first increment. */
  increment(index: NvIndex): void {
    const next = BigInt.asUintN(64, (index.has('WRITTEN') ? index.uint64 : this.maxCounter) + 1n);
    this.write(index, 0, uint64Bytes(next));
    // An orderly counter is saved whenever its low bits roll over.
    if (index.has('ORDERLY') && (next & MAX_ORDERLY_COUNT) === 0n) this.saveOrderly();
  }

  /** Index data for PolicyNV and NV_Read: `size` octets at `offset` (range checks are the caller's). */
  read(handle: number, offset: number, size: number): Buffer {
    return this.at(handle).read(offset, size);
  }

  /** NV_GlobalWriteLock: every GLOBALLOCK index becomes write locked until the next TPM Reset/Restart. */
  globalWriteLock(): void {
    for (const i of this.indices.values()) if (i.has('GLOBALLOCK')) i.set('WRITELOCKED');
  }

  /** TPM_PT_NV_COUNTERS. */
  counterCount(): number {
    return this.space.counterCount();
  }

  /** TPM_PT_NV_COUNTERS_AVAIL. */
  countersAvailable(): number {
    return this.space.countersAvailable();
  }

  /** The highest value a deleted counter reached (state blobs). */
  get deletedCounterMax(): bigint {
    return this.maxCounter;
  }

  /** State blobs: the indices and maxCounter exactly as saved, without the checks and side effects of define. */
  restore(indices: NvIndex[], deletedCounterMax: bigint): void {
    this.indices.clear();
    for (const i of indices) {
      if (this.indices.has(i.handle)) fail(TPM_RC.NV_DEFINED, 'NV index defined twice');
      this.indices.set(i.handle, i);
    }
    this.maxCounter = deletedCounterMax;
  }

  /** TPM2_Shutdown: ORDERLY data in RAM is saved to NV. */
  shutdown(): void {
    this.saveOrderly();
  }

  /**
   * TPM2_Startup (NvEntityStartup): ORDERLY indices come back as last saved (after an unorderly
   * shutdown, an orderly counter jumps past anything it may have reached unsaved); TPM Reset and
   * TPM Restart then clear the locks and the CLEAR_STCLEAR (and orderly, on Reset) data.
   */
  startup(kind: StartupKind, orderlyShutdown: boolean): void {
    for (const i of this.indices.values()) {
      if (!i.has('ORDERLY')) continue;
      if (i.saved) {
        i.data = Buffer.from(i.saved.data);
        i.attributes = i.saved.attributes;
      }
      if (!orderlyShutdown && i.type === TPM_NT.COUNTER) i.data.writeBigUInt64BE(i.data.readBigUInt64BE(0) | MAX_ORDERLY_COUNT);
    }
    if (kind === 'resume') return;
    for (const i of this.indices.values()) i.attributes = startupAttributes(i.attributes, kind);
  }

  /** TPM2_Clear: the owner's indices (without PLATFORMCREATE) are deleted (NvFlushHierarchy(TPM_RH_OWNER)). */
  clearOwnerIndices(): void {
    for (const [handle, i] of this.indices) if (!i.has('PLATFORMCREATE')) this.remove(handle);
  }

  private saveOrderly(): void {
    for (const i of this.indices.values()) if (i.has('ORDERLY')) i.save();
  }
}

function uint64Bytes(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(v);
  return b;
}
