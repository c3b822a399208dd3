import type { Tpm } from '@vtpm/tpm';
import type { CommandResponseSizes } from './commandResponseSizes.js';

/** What the command and platform port sessions of one mssim server share. */
export interface MssimContext {
  readonly tpm: Tpm;
  readonly sizes: CommandResponseSizes;
  /** TPM_STOP: the client asks the simulator to exit. */
  stop(): void;
}
