import type { Host, Sha256Pcrs } from '@vtpm/hypervisor';

/**
 * What a VM allows as a destination: the SHA-256 reference values of the boot PCRs a good host
 * reaches, and optionally the AK Names of enrolled hosts (without them any restricted AK whose
 * quote verifies is accepted: AK trust then rests on the reference values alone, see docs).
 */
export interface MigrationPolicy {
  id: string;
  referencePcrs: Sha256Pcrs;
  trustedAkNames?: Buffer[];
}

/** Reference values taken from a host booted into the approved configuration. */
export async function migrationPolicyFromReferenceHost(id: string, referenceHost: Host, trustedAkNames?: Buffer[]): Promise<MigrationPolicy> {
  return { id, referencePcrs: await referenceHost.measuredBootPcrs(), trustedAkNames };
}
