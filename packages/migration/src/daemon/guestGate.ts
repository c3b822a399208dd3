import type { GuestMemory } from '@vtpm/hypervisor';
import { DirtyingWorkload, type PausableGuest, type WorkloadOptions } from '../workload/dirtyingWorkload.js';

/** Guest I/O for a VM that left this host. */
export class VmMovedError extends Error {
  override name = 'VmMovedError';
  constructor(readonly vmId: string, readonly to: string) {
    super(`VM ${vmId} moved to ${to}: send its guest I/O to that host's daemon`);
  }
}

/**
 * The guest's vCPUs as a host daemon runs them: I/O from the control socket and an optional
 * self-writing workload. Paused for stop-and-copy (I/O waits), resumed on abort (it proceeds),
 * or moved (it fails with VmMovedError).
 */
export class GuestGate implements PausableGuest {
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private workload?: DirtyingWorkload;
  /** Auto-converge throttles the self-writing workload (kept for one started later); control-socket I/O is never throttled. */
  private throttleFraction = 0;
  movedTo?: string;

  constructor(readonly vmId: string, private paused = false) {}

  pause(): void {
    this.paused = true;
    this.workload?.pause();
  }

  resume(): void {
    if (this.movedTo) return;
    this.paused = false;
    this.workload?.resume();
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  throttle(fraction: number): void {
    this.workload?.throttle(fraction);
    this.throttleFraction = fraction;
  }

  moved(to: string): void {
    this.movedTo = to;
    this.stopWorkload();
    for (const w of this.waiters.splice(0)) w.reject(new VmMovedError(this.vmId, to));
  }

  /** Resolves when the guest runs (at once unless paused); rejects if the VM moved away meanwhile. Run the I/O synchronously after it. */
  async running(): Promise<void> {
    for (;;) {
      if (this.movedTo) throw new VmMovedError(this.vmId, this.movedTo);
      if (!this.paused) return;
      await new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
  }

  get hasWorkload(): boolean {
    return !!this.workload;
  }

  startWorkload(memory: GuestMemory, options: WorkloadOptions): void {
    this.stopWorkload();
    this.workload = new DirtyingWorkload(memory, options);
    this.workload.throttle(this.throttleFraction);
    if (!this.paused && !this.movedTo) this.workload.resume();
  }

  /** Stops the workload; returns how many writes it made. */
  stopWorkload(): number {
    const w = this.workload;
    w?.pause();
    this.workload = undefined;
    return w?.writes ?? 0;
  }
}
