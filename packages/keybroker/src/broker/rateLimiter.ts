/**
 * Per-host token buckets: each attestation attempt takes a token; tokens come back at `perSecond`
 * up to `burst`. Appraisal costs a signature check and an event-log replay, so a host (or anyone
 * using its name) cannot make the broker spend all its time verifying.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `hostId` may make an attempt now (and counts it). */
  take(hostId: string): boolean {
    const now = this.now();
    const b = this.buckets.get(hostId) ?? { tokens: this.burst, at: now };
    // A clock that steps back (NTP) must not drain the bucket.
    b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * this.perSecond);
    b.at = Math.max(b.at, now);
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    this.buckets.set(hostId, b);
    if (this.buckets.size > 100_000) this.forgetFull(now);
    return allowed;
  }

  /** Buckets that refilled completely carry no information; dropping them bounds memory. */
  private forgetFull(now: number): void {
    for (const [host, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(host);
  }
}
