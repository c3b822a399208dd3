import { errorResponse, TPM_RC, type Tpm } from '@vtpm/tpm';
import { TPM_BUFFER_MAX } from '../protocol/swtpmControl.js';
import type { TpmStateKeeper } from '../persistence/tpmStateKeeper.js';
import { PendingStateBlobs, type StateBlobKeys } from './stateBlobs.js';

/** swtpm answers every command with TPM_RC_FAILURE while the TPM is not running (before INIT, after STOP). */
const FAILURE = errorResponse(TPM_RC.FAILURE);

/**
 * The swtpm process state around the TPM, shared by the data and control channels: whether the
 * TPM runs (swtpm's tpm_running: INIT starts it, STOP ends it), the locality of data-channel
 * commands, the negotiated buffer size, and the TPM's state: its keeper, the blob keys and the
 * blobs received for the next INIT.
 */
export class SwtpmDevice {
  /** False until CMD_INIT when started without not-need-init, and after CMD_STOP. */
  running: boolean;
  /** Locality of commands on the data channel (SET_LOCALITY, or the mssim prefix's locality byte). */
  locality = 0;
  /** SET_BUFFERSIZE's current value; recorded and reported (the TPM's own limit is 4096 bytes). */
  bufferSize = TPM_BUFFER_MAX;
  readonly keeper: TpmStateKeeper;
  readonly keys: StateBlobKeys;
  readonly pending = new PendingStateBlobs();
  /** `--locality reject-locality-4`: SET_LOCALITY 4 is refused. */
  readonly rejectLocality4: boolean;
  /** CMD_SHUTDOWN: the process ends after answering. */
  readonly terminate: () => void;
  /** Why a state operation failed (a refused blob, a failed write): the control channel has only result codes. */
  readonly log: (message: string) => void;

  constructor(opts: {
    keeper: TpmStateKeeper;
    keys: StateBlobKeys;
    running: boolean;
    rejectLocality4: boolean;
    terminate: () => void;
    log: (message: string) => void;
  }) {
    this.keeper = opts.keeper;
    this.keys = opts.keys;
    this.running = opts.running;
    this.rejectLocality4 = opts.rejectLocality4;
    this.terminate = opts.terminate;
    this.log = opts.log;
  }

  get tpm(): Tpm {
    return this.keeper.tpm;
  }

  /**
   * Runs a data-channel command. With a state directory the response waits until the state it
   * reflects is stored; if that fails, the answer is TPM_RC_FAILURE and the TPM stops until INIT
   * reloads what was stored, so no client is told of a change that could be lost.
   */
  execute(command: Buffer): Buffer | Promise<Buffer> {
    if (!this.running) return FAILURE;
    const response = this.tpm.execute(command, this.locality);
    const storing = this.keeper.afterCommand(command, response);
    // Synchronous unless something is being stored: no promise per command for a TPM kept in memory.
    return storing ? this.afterStoring(storing, response) : response;
  }

  private async afterStoring(storing: Promise<void>, response: Buffer): Promise<Buffer> {
    try {
      await storing;
      return response;
    } catch (e) {
      if (this.running) this.log(`the TPM state could not be stored, the TPM stops until CMD_INIT: ${(e as Error).message}`);
      this.running = false;
      return FAILURE;
    }
  }
}
