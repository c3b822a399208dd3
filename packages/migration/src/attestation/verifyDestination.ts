import type { MigrationPolicy } from './migrationPolicy.js';
import { verifyHostAttestation, type AttestationOutcome } from './verifyHostAttestation.js';

export type { AttestationOutcome } from './verifyHostAttestation.js';

/** The source's appraisal of the destination (verifyHostAttestation in the destination role). */
export function verifyDestination(evidenceBytes: Buffer, expectedQualifyingData: Buffer, policy: MigrationPolicy): AttestationOutcome {
  return verifyHostAttestation(evidenceBytes, expectedQualifyingData, policy, 'destination');
}
