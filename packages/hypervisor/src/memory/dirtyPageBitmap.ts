/** One bit per guest page, set by guest writes; migration's pre-copy rounds take and clear it. */
export class DirtyPageBitmap {
  private readonly bits: Uint32Array;

  constructor(readonly pageCount: number) {
    this.bits = new Uint32Array(Math.ceil(pageCount / 32));
  }

  markRange(firstPage: number, count: number): void {
    for (let p = firstPage; p < firstPage + count; p++) this.bits[p >>> 5]! |= 1 << (p & 31);
  }

  markAll(): void {
    this.markRange(0, this.pageCount);
  }

  isDirty(page: number): boolean {
    return (this.bits[page >>> 5]! & (1 << (page & 31))) !== 0;
  }

  count(): number {
    let n = 0;
    for (let w of this.bits) for (; w; w &= w - 1) n++;
    return n;
  }

  /** The dirty pages in ascending order; clears the bitmap (a pre-copy round's snapshot). */
  takeDirty(): number[] {
    const pages: number[] = [];
    for (let i = 0; i < this.bits.length; i++) {
      for (let w = this.bits[i]!; w; w &= w - 1) pages.push(i * 32 + (31 - Math.clz32(w & -w)));
      this.bits[i] = 0;
    }
    return pages;
  }
}
