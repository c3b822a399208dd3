import type { LogDigest } from './structures.js';

/**
 * A digest as it lies in the log's bytes. The Buffer view is made only when someone asks for it:
 * a replay copies the bytes straight from the log, and creating hundreds of views per log was a
 * third of the parse time.
 */
export class LogDigestAt implements LogDigest {
  private view: Buffer | undefined;

  constructor(
    readonly algorithmId: number,
    private readonly source: Buffer,
    private readonly start: number,
    private readonly size: number,
  ) {}

  /** A view into the log's bytes (or the Buffer last assigned). */
  get digest(): Buffer {
    return (this.view ??= this.source.subarray(this.start, this.start + this.size));
  }
  set digest(value: Buffer) {
    this.view = value;
  }

  copyInto(target: Buffer, at: number): void {
    if (this.view) target.set(this.view, at);
    else {
      // A plain loop: for 20..64 bytes it beats Buffer.copy's argument checks and needs no view.
      const { source, start, size } = this;
      for (let i = 0; i < size; i++) target[at + i] = source[start + i]!;
    }
  }

  toJSON(): { algorithmId: number; digest: string } {
    return { algorithmId: this.algorithmId, digest: this.digest.toString('hex') };
  }
}
