import { TPM_RC } from '../constants/rc.js';
import { TpmError } from '../errors.js';
import { isPublicOnly } from '../objects/keyObjects.js';
import type { TpmKey } from '../objects/tpmKey.js';
import type { Tpm } from '../tpm.js';
import { keyAt } from './object.js';

/**
 * The key at an authorized handle whose private part the command uses. A key loaded public-only
 * has no authValue to authorize with: TPM_RC_AUTH_UNAVAILABLE, as the reference's
 * IsAuthValueAvailable answers before the command runs.
 */
export function privateKeyAt(tpm: Tpm, handle: number, handleNumber: number): TpmKey {
  const key = keyAt(tpm, handle, handleNumber);
  if (isPublicOnly(key)) throw new TpmError(TPM_RC.AUTH_UNAVAILABLE, 'the key was loaded without its private part');
  return key;
}
