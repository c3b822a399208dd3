import { TpmError } from '../errors.js';

/**
 * Runs a check or computation whose TpmError the command must blame on one handle or parameter
 * (the reference's RcSafeAddToResult); other exceptions pass unchanged.
 */
export function blaming<T>(f: () => T, blame: (e: TpmError) => TpmError): T {
  try {
    return f();
  } catch (e) {
    throw e instanceof TpmError ? blame(e) : e;
  }
}

export const onHandle = (n: number) => (e: TpmError) => e.forHandle(n);
export const onParameter = (n: number) => (e: TpmError) => e.forParameter(n);
