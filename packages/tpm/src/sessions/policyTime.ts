import type { Tpm } from '../tpm.js';

/**
 * Policy time base (Part 1, Time and Clock): TPM Time in milliseconds since _TPM_Init, and the epoch that
 * changes whenever Time restarts (each Startup after _TPM_Init). A timeout taken in one epoch is
 * never honoured in another.
 */
export function policyNow(tpm: Tpm): bigint {
  return tpm.clock.time;
}

export function timeEpoch(tpm: Tpm): string {
  return `${tpm.resetCount}:${tpm.restartCount}`;
}
