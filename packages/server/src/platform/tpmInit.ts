import type { Tpm } from '@vtpm/tpm';
import { abortHashSequence } from './drtmSequence.js';

/**
 * _TPM_Init as the platform raises it (power-on, reset, swtpm CMD_INIT): the TPM needs Startup
 * again, a DRTM sequence in progress is gone and a pending cancel no longer applies.
 */
export function initTpm(tpm: Tpm): void {
  abortHashSequence(tpm);
  tpm.platform.cancel = false;
  tpm.init();
}
