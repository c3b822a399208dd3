import { TPM_CC, TPM_RC } from '@vtpm/tpm';

/**
 * Whether the TPM has accepted TPM2_Shutdown since its last Startup, seen from the commands and
 * responses passing by: a volatile state saved after Shutdown resumes as a power cycle would
 * (_TPM_Init follows), because Shutdown announced one.
 */
export class ShutdownTracker {
  shutDown = false;

  /** Returns true when this command was an accepted TPM2_Shutdown. */
  observe(command: Buffer, response: Buffer): boolean {
    if (command.length < 10 || response.length < 10 || response.readUInt32BE(6) !== TPM_RC.SUCCESS) return false;
    const code = command.readUInt32BE(6);
    if (code === TPM_CC.Startup) this.shutDown = false;
    if (code !== TPM_CC.Shutdown) return false;
    this.shutDown = true;
    return true;
  }
}
