import type { ParsedOption } from './argvReader.js';
import { UsageError } from './usageError.js';

/** Parsed options read by name; an option given twice takes its last value, as getopt programs do. */
export class OptionLookup {
  constructor(
    /** For messages, e.g. 'vtpm attest verify'. */
    readonly command: string,
    private readonly options: readonly ParsedOption[],
  ) {}

  has(name: string): boolean {
    return this.options.some((o) => o.name === name);
  }

  value(name: string): string | null {
    return this.options.filter((o) => o.name === name).at(-1)?.value ?? null;
  }

  required(name: string, what: string): string {
    const v = this.value(name);
    if (v === null) throw new UsageError(`${this.command}: ${name} is required (${what})`);
    return v;
  }

  /** At most one of these options may be given. */
  exclusive(...names: string[]): void {
    const given = names.filter((n) => this.has(n));
    if (given.length > 1) throw new UsageError(`${this.command}: ${given.join(' and ')} exclude each other`);
  }
}
