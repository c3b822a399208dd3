/**
 * Time and Clock (Part 1, 36). `time` counts milliseconds since the last _TPM_Init; `clock`
 * counts milliseconds the TPM has been powered over its life and only moves forward
 * (ClockSet may advance it). ClockRateAdjust is recorded; the emulated oscillator does not drift.
 */
export class TpmClock {
  private initAt: number;
  private clockBase: bigint;
  private clockBaseAt: number;
  rateAdjust = 0;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.initAt = now();
    this.clockBase = 0n;
    this.clockBaseAt = this.initAt;
  }

  /** Time continues from `ms` (a restored volatile state); Clock is set through `clock`. */
  restoreTime(ms: bigint): void {
    this.initAt = this.now() - Number(ms);
  }

  /** _TPM_Init: time restarts at zero; clock continues. */
  init(): void {
    this.clockBase = this.clock;
    this.initAt = this.clockBaseAt = this.now();
  }

  get time(): bigint {
    return BigInt(Math.floor(this.now() - this.initAt));
  }

  get clock(): bigint {
    return this.clockBase + BigInt(Math.floor(this.now() - this.clockBaseAt));
  }

  set clock(v: bigint) {
    this.clockBase = v;
    this.clockBaseAt = this.now();
  }
}
