import type { ContextBinding } from './contextProtection.js';
import { SequenceStore } from './sequenceStore.js';

/** How the TPM started: TPM Reset, TPM Restart or TPM Resume (Part 1, 12.2.2). */
export type StartupKind = 'reset' | 'restart' | 'resume';

/**
 * Context-management state (Part 1, 30) besides the saved sessions (which the SessionTable keeps):
 * the counters a context blob is bound to, so that contexts from before a TPM Reset (and stClear
 * ones from before a TPM Restart) no longer load, and the kept hash-sequence states.
 */
export class ContextState {
  readonly sequences = new SequenceStore();
  /** TPM Resets over the TPM's life; unlike resetCount, TPM2_Clear does not zero it. */
  totalResetCount = 0n;
  /** TPM Resets and Restarts (the reference's clearCount). */
  clearCount = 0;
  /** The sequence of the last object context (the reference's objectContextID). */
  objectContextId = 0n;

  binding(proof: Buffer): ContextBinding {
    return { proof, totalResetCount: this.totalResetCount, clearCount: this.clearCount };
  }

  startup(kind: StartupKind): void {
    if (kind === 'reset') {
      this.totalResetCount++;
      this.objectContextId = 0n;
      this.sequences.clear();
    }
    if (kind !== 'resume') this.clearCount++;
  }
}
