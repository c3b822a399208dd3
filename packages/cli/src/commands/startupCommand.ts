import { InProcessTransport, Startup, TPM_SU, TpmClient, type Tpm } from '@vtpm/tpm';
import type { Logger } from '../runtime/logger.js';

/**
 * `--flags startup-clear|startup-state`: the server sends TPM2_Startup itself before clients come.
 * As in swtpm, a TPM error (Startup(STATE) without a saved state) is logged, not fatal.
 */
export async function sendStartup(tpm: Tpm, type: 'clear' | 'state', logger: Logger): Promise<void> {
  const client = new TpmClient(new InProcessTransport(tpm));
  try {
    await client.run(Startup, { params: { startupType: type === 'clear' ? TPM_SU.CLEAR : TPM_SU.STATE } });
    logger.log(1, `vtpm: sent TPM2_Startup(${type.toUpperCase()})`);
  } catch (e) {
    logger.error(`vtpm: TPM2_Startup(${type.toUpperCase()}) failed: ${(e as Error).message}`);
  }
}
