import { openSync, writeSync } from 'node:fs';
import type { LogOptions } from '../args/logOptions.js';

/**
 * Lifecycle messages: to the `--log` target when given (lines at or below its level), errors
 * also to stderr when there is no log target, as swtpm logs to the console by default.
 */
export class Logger {
  private readonly fd: number | null;

  constructor(private readonly options: LogOptions | null) {
    const target = options?.target;
    if (!target) this.fd = null;
    else if ('fd' in target) this.fd = target.fd;
    else this.fd = openSync(target.path, options!.truncate ? 'w' : 'a');
  }

  /** Level 1: start, stop and errors; higher levels: more detail. */
  log(level: number, message: string): void {
    if (this.fd === null || level > (this.options?.level ?? 0)) return;
    writeSync(this.fd, `${this.options!.prefix}${message}\n`);
  }

  error(message: string): void {
    if (this.fd === null) process.stderr.write(`${message}\n`);
    else this.log(0, message);
  }
}
