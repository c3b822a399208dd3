export interface Throughput {
  pagesPerMs: number;
  bytesPerMs: number;
}

/**
 * The send rate pre-copy achieves, over roughly the last `windowPages` pages sent (at least two
 * samples apart). A window, not just the last round: a small round "sent" into empty socket
 * buffers looks arbitrarily fast, and a bandwidth overestimate is what makes downtime overshoot.
 */
export class BandwidthMeter {
  private readonly samples: Array<{ at: number; pages: number; bytes: number }> = [];

  constructor(private readonly windowPages = 8192) {}

  /** Records that `pages` pages in `bytes` wire bytes had been sent in all by `at` (ms, performance.now()). */
  sample(pages: number, bytes: number, at = performance.now()): void {
    this.samples.push({ at, pages, bytes });
    while (this.samples.length > 2 && pages - this.samples[1]!.pages >= this.windowPages) this.samples.shift();
  }

  /** The rate over the window; undefined until two samples lie apart in time and pages. */
  throughput(): Throughput | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at || last.pages <= first.pages) return undefined;
    const ms = last.at - first.at;
    return { pagesPerMs: (last.pages - first.pages) / ms, bytesPerMs: (last.bytes - first.bytes) / ms };
  }
}
