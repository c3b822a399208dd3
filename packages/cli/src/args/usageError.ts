/** A command line the program cannot act on: reported as one line on stderr, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit code for a bad option or value (as getopt-style tools use). */
export const USAGE_EXIT_CODE = 2;
