import { createHash, randomBytes, randomInt } from 'node:crypto';
import { HostDaemonClient } from '@vtpm/migration';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * What the guest's memory must hold: the plaintext of a fresh VM (zeros) plus every write a
 * daemon acknowledged. A write whose answer never came (its daemon died, or the VM moved while
 * it waited) may have landed or not: it is kept aside as `uncertain` and both outcomes accepted.
 */
export class GuestModel {
  readonly memory: Buffer;
  uncertain: { gpa: number; data: Buffer } | null = null;
  acknowledged = 0;

  constructor(pages: number) {
    this.memory = Buffer.alloc(pages * 4096);
  }

  apply(gpa: number, data: Buffer): void {
    data.copy(this.memory, gpa);
    this.acknowledged++;
  }

  /** The memory hashes the VM may have: without the uncertain write, and with it. */
  acceptableHashes(): string[] {
    const hashes = [sha256(this.memory)];
    if (this.uncertain) {
      const withIt = Buffer.from(this.memory);
      this.uncertain.data.copy(withIt, this.uncertain.gpa);
      hashes.push(sha256(withIt));
    }
    return hashes;
  }
}

/**
 * A guest writing through a host daemon's control socket: 16 random bytes at a random 16-aligned
 * address, one write at a time, each acknowledged write applied to the model. It stops at the
 * first failed write (that write becomes the model's uncertain one) or when asked to.
 */
export class GuestWriter {
  private stopping = false;
  private readonly done: Promise<void>;

  constructor(private readonly controlSocket: string, private readonly vmId: string, private readonly model: GuestModel) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    let client: HostDaemonClient;
    try {
      client = await HostDaemonClient.connect(this.controlSocket);
    } catch {
      return;
    }
    try {
      while (!this.stopping) {
        const gpa = randomInt(this.model.memory.length / 16) * 16;
        const data = randomBytes(16);
        try {
          await client.writeGuest(this.vmId, gpa, data);
        } catch {
          this.model.uncertain = { gpa, data };
          return;
        }
        this.model.apply(gpa, data);
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      client.close();
    }
  }

  /** No new writes; resolves once the one in flight has its answer (or failed). */
  stop(): Promise<void> {
    this.stopping = true;
    return this.done;
  }
}
