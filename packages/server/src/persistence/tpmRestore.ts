import { StateFormatError, restoreTpm, type Tpm, type TpmOptions } from '@vtpm/tpm';
import { StateRefusal } from './stateRefusal.js';

/** A TPM from state payloads; content the TPM cannot restore is a StateRefusal, never a blank TPM. */
export function restoreFromPayloads(permanent: Buffer, volatile: Buffer | null, options?: TpmOptions): Tpm {
  try {
    return restoreTpm({ permanent, volatile }, options);
  } catch (e) {
    if (e instanceof StateFormatError) throw new StateRefusal('unreadable', `cannot be restored: ${e.message}`);
    throw e;
  }
}
