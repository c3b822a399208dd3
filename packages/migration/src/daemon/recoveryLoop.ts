import { resolveIncoming, resolveOutgoing, type IncomingResolution, type OutgoingResolution } from '../commit/resolveInDoubt.js';
import type { AskOptions } from '../commit/askPeer.js';
import type { VmHost } from '../vmHost.js';

export interface Settlement {
  vmId: string;
  role: 'source' | 'destination';
  resolution: OutgoingResolution | IncomingResolution;
  /** The peer asked: the destination (source role) or the source (destination role). */
  peer?: string;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 3000;

/**
 * A host daemon's settling of in-doubt migrations: every in-doubt VM is asked about at once, then
 * again with doubling backoff (100 ms up to 3 s) while its peer is unreachable or has no answer
 * yet. The VM stays paused (source) or prepared (destination) until then: never two copies running.
 */
export class RecoveryLoop {
  private readonly retryAt = new Map<string, { at: number; delay: number }>();
  private readonly busy = new Map<string, Promise<void>>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly host: VmHost, private readonly ask: AskOptions, private readonly onSettled: (s: Settlement) => void, private readonly onError: (vmId: string, e: Error) => void = () => undefined) {}

  start(): void {
    this.stopped = false;
    this.tick();
  }

  /** Stops asking; resolves once the questions in flight have ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled(this.busy.values());
  }

  /** Looks at once (a migration just went in doubt). */
  kick(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.tick();
  }

  private tick(): void {
    const { outgoing, incoming } = this.host.inDoubt();
    const now = Date.now();
    for (const [vmId, role] of [...outgoing.map((id) => [id, 'source'] as const), ...incoming.map((id) => [id, 'destination'] as const)]) {
      const key = `${role}:${vmId}`;
      if (this.busy.has(key) || (this.retryAt.get(key)?.at ?? 0) > now) continue;
      this.busy.set(key, this.settle(vmId, role, key).finally(() => this.busy.delete(key)));
    }
    if (!this.stopped) this.timer = setTimeout(() => this.tick(), FIRST_RETRY_MS).unref();
  }

  private async settle(vmId: string, role: Settlement['role'], key: string): Promise<void> {
    const peer = role === 'source' ? this.host.outgoing.get(vmId)?.destination : this.host.incoming.get(vmId)?.source;
    try {
      const resolution = role === 'source' ? await resolveOutgoing(this.host, vmId, this.ask) : await resolveIncoming(this.host, vmId, this.ask);
      if (this.stopped) return;
      if (resolution === 'waiting') return this.backOff(key);
      this.retryAt.delete(key);
      this.onSettled({ vmId, role, resolution, ...(peer ? { peer } : {}) });
    } catch (e) {
      if (this.stopped) return;
      this.backOff(key);
      this.onError(vmId, e as Error);
    }
  }

  private backOff(key: string): void {
    const delay = Math.min(MAX_RETRY_MS, (this.retryAt.get(key)?.delay ?? FIRST_RETRY_MS / 2) * 2);
    this.retryAt.set(key, { at: Date.now() + delay, delay });
  }
}
