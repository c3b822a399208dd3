import type { AttestationOutcome } from '../attestation/verifyDestination.js';

export type MigrationPhase = 'handshake' | 'attestation' | 'pre-copy' | 'stop-and-copy' | 'key-handover' | 'commit' | 'done';

export interface MigrationProgress {
  phase: MigrationPhase;
  round: number;
  /** Pages sent in this round, and in all. */
  roundPages: number;
  pagesSent: number;
  /** Pages the guest dirtied per second during the last round. */
  dirtyPagesPerSecond: number;
  /** Pages still to send: at a round's end, the pages dirtied during it (what the next round sends); inside a round, also the rest of the round. */
  remainingDirtyPages: number;
  bytesSent: number;
  elapsedMs: number;
  /** Estimated time to send what remains (remainingDirtyPages at the measured bandwidth); absent until a bandwidth is measured. */
  etaMs?: number;
  /** Send rate pre-copy achieved over the last ~32 MiB, wire bytes (10^6 per MB); absent until measured. */
  bandwidthMBps?: number;
  /** Pre-copy: how hard auto-converge throttles the guest this round, percent of its vCPU time (0: not at all). */
  throttlePercent?: number;
}

export interface MigrationReport {
  vmId: string;
  destination: string;
  epoch: bigint;
  totalMs: number;
  /** From pausing the guest to the destination's commit. */
  downtimeMs: number;
  rounds: number;
  pagesSent: number;
  bytesSent: number;
  throughputMBps: number;
  /** The highest auto-converge throttle applied to the guest, percent (0: never throttled); released when the migration ended. */
  maxThrottlePercent: number;
  attestation: AttestationOutcome;
}
