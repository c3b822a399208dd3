import type { Tpm } from '@vtpm/tpm';
import { MSSIM } from '../protocol/mssimProtocol.js';
import { initTpm } from '../platform/tpmInit.js';

/**
 * The platform port's signals with the reference simulator's semantics (TPMCmdp.c): POWER_ON of
 * a powered TPM and RESET of an unpowered one do nothing; the presence, cancel and NV signals are
 * ignored while the power is off. Returns false for a signal the platform port does not know.
 */
export function applyPlatformSignal(tpm: Tpm, signal: number): boolean {
  switch (signal) {
    case MSSIM.SIGNAL_POWER_ON:
      if (!tpm.powered) {
        tpm.powered = true;
        initTpm(tpm);
      }
      return true;
    case MSSIM.SIGNAL_POWER_OFF:
      tpm.powered = false;
      return true;
    case MSSIM.SIGNAL_RESET:
      if (tpm.powered) initTpm(tpm);
      return true;
    case MSSIM.SIGNAL_RESTART:
      // A clock restart of the simulator's timer: the emulated clock never stops, nothing to do.
      return true;
    case MSSIM.SIGNAL_PHYS_PRES_ON:
    case MSSIM.SIGNAL_PHYS_PRES_OFF:
      if (tpm.powered) tpm.platform.physicalPresence = signal === MSSIM.SIGNAL_PHYS_PRES_ON;
      return true;
    case MSSIM.SIGNAL_CANCEL_ON:
    case MSSIM.SIGNAL_CANCEL_OFF:
      if (tpm.powered) tpm.platform.cancel = signal === MSSIM.SIGNAL_CANCEL_ON;
      return true;
    case MSSIM.SIGNAL_NV_ON:
    case MSSIM.SIGNAL_NV_OFF:
      if (tpm.powered) tpm.platform.nvAvailable = signal === MSSIM.SIGNAL_NV_ON;
      return true;
    case MSSIM.SIGNAL_KEY_CACHE_ON:
    case MSSIM.SIGNAL_KEY_CACHE_OFF:
      // The reference's RSA key cache only speeds up its key generation: nothing to switch here.
      return true;
    default:
      // Includes TEST_FAILURE_MODE: vtpm has no failure mode a signal could force.
      return false;
  }
}
