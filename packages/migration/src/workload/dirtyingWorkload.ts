import { randomInt } from 'node:crypto';
import { PAGE_SIZE, type GuestMemory } from '@vtpm/hypervisor';

/** What migration needs from the guest's vCPUs: stop them for stop-and-copy, start them again on abort. */
export interface PausableGuest {
  pause(): void;
  resume(): void;
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
  private timer?: NodeJS.Timeout;

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

  resume(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      for (let i = 0; i < this.options.pagesPerTick; i++) this.writeOnce();
    }, this.options.intervalMs);
  }

  pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
