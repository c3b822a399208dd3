import type { Tpm } from '@vtpm/tpm';
import type { TpmStateKeeper } from '../persistence/tpmStateKeeper.js';
import type { CommandResponseSizes } from './commandResponseSizes.js';

/** What the command and platform port sessions of one mssim server share. */
export interface MssimContext {
  readonly tpm: Tpm;
  /** Stores the TPM's state after each command that changed it (in memory only, without a directory). */
  readonly keeper: TpmStateKeeper;
  readonly sizes: CommandResponseSizes;
  /** TPM_STOP: the client asks the simulator to exit. */
  stop(): void;
}
