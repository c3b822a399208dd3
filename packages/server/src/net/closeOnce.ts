/**
 * Close-once bookkeeping for a server: `close()` may be called by its owner and by a client's
 * STOP at the same time; the work runs once and `closed` resolves when it has finished.
 */
export class CloseOnce {
  private running: Promise<void> | null = null;
  private resolveClosed!: () => void;
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  constructor(private readonly work: () => Promise<void>) {}

  close(): Promise<void> {
    this.running ??= this.work().finally(() => this.resolveClosed());
    return this.running;
  }
}
