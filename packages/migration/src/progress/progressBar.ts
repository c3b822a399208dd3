import type { MigrationProgress } from './migrationProgress.js';
import { formatProgressLine } from './progressLine.js';

/** Where the bar goes: a process stream, or anything with write() in tests. */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * A migration's progress on a terminal or in a log. On a TTY one line is redrawn in place (\r,
 * cleared to the end of the line); otherwise one line is printed per round or phase change, so
 * a log or a test reading the pipe sees each step once rather than a stream of redraws.
 */
export class ProgressBar {
  private last: { phase: string; round: number } | null = null;
  private drawn = false;

  constructor(private readonly out: ProgressOutput) {}

  update(p: MigrationProgress): void {
    const columns = Math.max(20, (this.out.columns ?? 80) - 1);
    if (this.out.isTTY) {
      this.out.write(`\r${formatProgressLine(p, columns)}\x1b[K`);
      this.drawn = true;
      return;
    }
    if (this.last && this.last.phase === p.phase && this.last.round === p.round) return;
    this.last = { phase: p.phase, round: p.round };
    this.out.write(`${formatProgressLine(p, columns)}\n`);
  }

  /** Ends the redrawn line, so what follows starts on a line of its own. */
  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
