import { createHash, randomInt } from 'node:crypto';
import { PAGE_SIZE } from '@vtpm/hypervisor';
import type { HostDaemonClient } from '@vtpm/migration';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The guest writes 16 octets at offsets below this in a page, so data placed above it (the secret) is never overwritten. */
export const GUEST_WRITES_BELOW = 200 * 16;

/**
 * What the guest's memory must hold: zeros (a freshly started VM) plus every write a daemon
 * acknowledged. A write whose answer was an error (the VM paused for stop-and-copy, then moved)
 * is kept aside as `uncertain`, and both outcomes are accepted.
 */
export class GuestMemoryModel {
  readonly memory: Buffer;
  uncertain: { gpa: number; data: Buffer } | null = null;
  writes = 0;

  constructor(pages: number) {
    this.memory = Buffer.alloc(pages * PAGE_SIZE);
  }

  apply(gpa: number, data: Buffer): void {
    data.copy(this.memory, gpa);
    this.writes++;
  }

  /** The memory hashes the VM may have: without the uncertain write, and with it. */
  acceptableHashes(): string[] {
    if (!this.uncertain) return [sha256(this.memory)];
    const withIt = Buffer.from(this.memory);
    this.uncertain.data.copy(withIt, this.uncertain.gpa);
    return [sha256(this.memory), sha256(withIt)];
  }
}

/**
 * The guest's vCPU while the story runs: every `intervalMs` it writes a counter into
 * `pagesPerTick` random pages through its host daemon's control socket (each write waits while
 * the VM is paused for stop-and-copy), and records each acknowledged write in the model, so the
 * demo can check the VM's memory against what the guest wrote. It stops at the first refused
 * write (the VM moved away) or when asked to.
 */
export class GuestWriter {
  private stopping = false;
  private readonly done: Promise<void>;
  /** Why it stopped on its own, if it did. */
  failure?: Error;

  constructor(private readonly client: HostDaemonClient, private readonly vmId: string, private readonly model: GuestMemoryModel, private readonly rate: { pagesPerTick: number; intervalMs: number }) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    const pages = this.model.memory.length / PAGE_SIZE;
    while (!this.stopping) {
      for (let i = 0; i < this.rate.pagesPerTick && !this.stopping; i++) {
        const data = Buffer.alloc(16);
        data.writeUInt32BE(this.model.writes + 1, 0);
        data.write('guest-data', 4);
        const gpa = randomInt(pages) * PAGE_SIZE + randomInt(GUEST_WRITES_BELOW / 16) * 16;
        try {
          await this.client.writeGuest(this.vmId, gpa, data);
        } catch (e) {
          this.model.uncertain = { gpa, data };
          this.failure = e as Error;
          return;
        }
        this.model.apply(gpa, data);
      }
      await new Promise((r) => setTimeout(r, this.rate.intervalMs));
    }
  }

  /** No new writes; resolves once the one in flight has its answer. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.done;
  }
}
