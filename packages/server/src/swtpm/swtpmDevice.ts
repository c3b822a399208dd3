import type { Tpm } from '@vtpm/tpm';
import { TPM_BUFFER_MAX } from '../protocol/swtpmControl.js';
import type { StateBlobs } from './stateBlobs.js';

/**
 * The swtpm process state around the TPM, shared by the data and control channels: whether the
 * TPM runs (swtpm's tpm_running: INIT starts it, STOP ends it), the locality of data-channel
 * commands, the negotiated buffer size and the state blobs.
 */
export class SwtpmDevice {
  /** False until CMD_INIT when started without not-need-init, and after CMD_STOP. */
  running: boolean;
  /** Locality of commands on the data channel (SET_LOCALITY, or the mssim prefix's locality byte). */
  locality = 0;
  /** SET_BUFFERSIZE's current value; recorded and reported (the TPM's own limit is 4096 bytes). */
  bufferSize = TPM_BUFFER_MAX;
  readonly stateBlobs: StateBlobs;
  /** `--locality reject-locality-4`: SET_LOCALITY 4 is refused. */
  readonly rejectLocality4: boolean;
  /** CMD_SHUTDOWN: the process ends after answering. */
  readonly terminate: () => void;

  constructor(
    readonly tpm: Tpm,
    opts: { running: boolean; stateBlobs: StateBlobs; rejectLocality4: boolean; terminate: () => void },
  ) {
    this.running = opts.running;
    this.stateBlobs = opts.stateBlobs;
    this.rejectLocality4 = opts.rejectLocality4;
    this.terminate = opts.terminate;
  }
}
