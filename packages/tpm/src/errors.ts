import { RC_P, RC_S, TPM_RC, describeRc, isFormatOne } from './constants/rc.js';

/**
 * A TPM error carrying a real TPM_RC. Handlers and codecs throw it; the dispatcher turns it into
 * a response. Numbering (handle/parameter/session) is added once, by the layer that knows it.
 */
export class TpmError extends Error {
  constructor(readonly rc: number, detail?: string) {
    super(detail ? `${describeRc(rc)}: ${detail}` : describeRc(rc));
    this.name = 'TpmError';
  }

  /** The same error numbered as parameter n (1-based); unchanged when not format one or already numbered. */
  forParameter(n: number): TpmError {
    return this.numbered(RC_P | (Math.min(n, 15) << 8));
  }

  /** The same error numbered as handle n (1-based). */
  forHandle(n: number): TpmError {
    return this.numbered(Math.min(n, 7) << 8);
  }

  /** The same error numbered as session n (1-based). */
  forSession(n: number): TpmError {
    return this.numbered(RC_S | (Math.min(n, 7) << 8));
  }

  private numbered(bits: number): TpmError {
    if (!isFormatOne(this.rc) || (this.rc & 0xf40) !== 0) return this;
    return new TpmError(this.rc | bits);
  }
}

/** Throw helper that reads well in guard clauses: `if (bad) fail(TPM_RC.VALUE)`. */
export function fail(rc: number, detail?: string): never {
  throw new TpmError(rc, detail);
}

/** Anything unexpected inside the TPM becomes TPM_RC_FAILURE rather than a crash. */
export function asTpmError(e: unknown): TpmError {
  if (e instanceof TpmError) return e;
  return new TpmError(TPM_RC.FAILURE, e instanceof Error ? e.message : String(e));
}
