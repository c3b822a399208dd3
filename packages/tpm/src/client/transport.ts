import type { Tpm } from '../tpm.js';

/** Anything that carries a TPM command to a TPM and brings back the response. */
export interface Transport {
  send(command: Buffer, locality?: number): Promise<Buffer>;
  close?(): Promise<void>;
}

/** A TPM in this process. */
export class InProcessTransport implements Transport {
  constructor(readonly tpm: Tpm) {}
  async send(command: Buffer, locality = 0): Promise<Buffer> {
    return this.tpm.execute(command, locality);
  }
}
