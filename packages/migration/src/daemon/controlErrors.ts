import { MigrationAbortedError, MigrationInDoubtError } from '../source/migrateVm.js';
import type { ControlError } from './controlProtocol.js';
import { ControlRequestError } from './controlServer.js';
import { VmMovedError } from './guestGate.js';

/** Any failure as the control protocol reports it: a code for the ones a client acts on, the attestation's verdict for a refused migration. */
export function toControlError(e: unknown): ControlError {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof MigrationAbortedError) {
    return { message, code: 'aborted', phase: e.phase, ...(e.attestation && !e.attestation.ok ? { reason: e.attestation.reason, failingPcrs: e.attestation.failingPcrs } : {}) };
  }
  if (e instanceof MigrationInDoubtError) return { message: `${message}; this daemon settles it with the destination on its own (vm list shows where the VM ends up)`, code: 'in-doubt' };
  if (e instanceof ControlRequestError) return { message, code: e.code };
  if (e instanceof VmMovedError) return { message, code: 'moved' };
  return { message };
}
