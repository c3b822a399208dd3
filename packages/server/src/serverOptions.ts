import type { Tpm } from '@vtpm/tpm';

/** Options every server takes. */
export interface ServerOptions {
  /** Address to listen on; loopback (127.0.0.1) by default. */
  host?: string;
  /** The TPM to serve; a new one when absent. */
  tpm?: Tpm;
}
