/**
 * A failure the command describes itself in one line (`vtpm attest verify: refused: nonce-mismatch: ...`):
 * printed as it is, exit code 1. Usage errors (exit code 2) are UsageError.
 */
export class CommandFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailure';
  }
}
