/**
 * NV indices (Part 1, 37; Part 3, 31). Placeholder shape that the pipeline already consults for
 * NV handles (existence, Name, authValue); the NV commands fill it.
 */
export interface NvIndex {
  /** The index's Name: nameAlg || H(TPMS_NV_PUBLIC). */
  name(): Buffer;
  authValue: Buffer;
}

export class NvStore {
  protected readonly indices = new Map<number, NvIndex>();

  get(index: number): NvIndex | undefined {
    return this.indices.get(index);
  }

  handles(): number[] {
    return [...this.indices.keys()].sort((a, b) => a - b);
  }
}
