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
  /** Pages still dirty when the round ended (what the next round sends). */
  remainingDirtyPages: number;
  bytesSent: number;
  elapsedMs: number;
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
  attestation: AttestationOutcome;
}
