import { randomInt } from 'node:crypto';
import { PAGE_SIZE, type GuestMemory } from '@vtpm/hypervisor';

/** What migration needs from the guest's vCPUs: stop them for stop-and-copy, start them again on abort. */
export interface PausableGuest {
  pause(): void;
  resume(): void;
  /**
   * Auto-converge: take `fraction` (0 to 0.99) of the vCPUs' time away, so the guest dirties pages
   * that much slower; 0 lets it run at full speed again. Optional: a guest without it is never throttled.
   */
  throttle?(fraction: number): void;
}

export interface WorkloadOptions {
  /** Pages written per tick. */
  pagesPerTick: number;
  intervalMs: number;
  /** Keep a plaintext copy of everything written (tests compare memory against it). */
  shadow?: boolean;
}

/**
 * A guest that keeps writing while pre-copy runs: every tick it writes a counter into random pages,
 * so the dirty bitmap fills at a known rate.
 */
export class DirtyingWorkload implements PausableGuest {
  readonly shadow?: Buffer;
  writes = 0;
  /** Share of its writes the guest skips (PausableGuest.throttle). */
  throttleFraction = 0;
  private timer?: NodeJS.Timeout;
  /** Writes earned but not yet made: a throttled tick earns pagesPerTick × (1 − throttle), so no fraction of a write is lost. */
  private owed = 0;

  constructor(private readonly memory: GuestMemory, private readonly options: WorkloadOptions) {
    if (options.shadow) this.shadow = Buffer.alloc(memory.sizeBytes);
  }

  /** One guest write of 16 octets into a random page. */
  writeOnce(): void {
    const page = randomInt(this.memory.pageCount);
    const data = Buffer.alloc(16);
    data.writeUInt32BE(++this.writes, 0);
    data.write('guest-data', 4);
    const gpa = page * PAGE_SIZE + (this.writes % 200) * 16;
    this.memory.write(gpa, data);
    data.copy(this.shadow ?? Buffer.alloc(0), gpa);
  }

  /** One tick of the guest: pagesPerTick writes, fewer while throttled. Returns how many it made. */
  tick(): number {
    this.owed += this.options.pagesPerTick * (1 - this.throttleFraction);
    const n = Math.floor(this.owed + 1e-9);
    this.owed -= n;
    for (let i = 0; i < n; i++) this.writeOnce();
    return n;
  }

  throttle(fraction: number): void {
    if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`a guest throttle is a fraction from 0 up to (not including) 1, got ${fraction}`);
    this.throttleFraction = fraction;
  }

  resume(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
  }

  pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
