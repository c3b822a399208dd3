import { formatProgressLine, type MigrationProgress } from '@vtpm/migration';

/** Where progress goes: process.stderr, or anything shaped like it (tests). */
export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressDisplay {
  update(p: MigrationProgress): void;
  /** Ends the bar's line (TTY; once, however often called); returns how many progress lines were drawn or printed. */
  finish(): number;
}

/**
 * The migration's progress bar: redrawn in place on a terminal, one line per round (or phase)
 * otherwise, so a CI log shows every round once. The line itself is @vtpm/migration's formatProgressLine.
 */
export function progressDisplay(sink: ProgressSink): ProgressDisplay {
  let drawn = 0;
  let last = '';
  let open = false;
  return {
    update(p) {
      const line = formatProgressLine(p, sink.isTTY ? Math.max(40, (sink.columns || 80) - 1) : 100);
      if (sink.isTTY) {
        sink.write(`\r${line}\x1b[K`);
        open = true;
      } else {
        const key = `${p.phase}/${p.round}`;
        if (key === last) return;
        last = key;
        sink.write(`${line}\n`);
      }
      drawn++;
    },
    finish() {
      if (open) sink.write('\n');
      open = false;
      return drawn;
    },
  };
}
