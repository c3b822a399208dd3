/**
 * A monotonic counter kept outside the state directory (e.g. an NV counter in the host's TPM) that
 * records the newest state generation written. A state older than the anchor is a rollback: an old
 * copy put back in place of the current one. `advance(to)` leaves the counter at `to` or above;
 * a counter that jumps ahead on its first increment (TPM NV counters do) is allowed.
 */
export interface RollbackAnchor {
  read(): Promise<bigint>;
  advance(to: bigint): Promise<void>;
}

/** An anchor in this process only: catches a state replaced under a running server, not across restarts. */
export class MemoryRollbackAnchor implements RollbackAnchor {
  constructor(private value = 0n) {}

  async read(): Promise<bigint> {
    return this.value;
  }

  async advance(to: bigint): Promise<void> {
    if (to > this.value) this.value = to;
  }
}
