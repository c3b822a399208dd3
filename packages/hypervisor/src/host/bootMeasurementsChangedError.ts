import { BOOT_COMPONENT_PCR, type BootComponent } from './bootChain.js';

const componentsOf = (pcr: number) => (Object.entries(BOOT_COMPONENT_PCR) as [BootComponent, number][]).filter(([, p]) => p === pcr).map(([c]) => c);

/**
 * The host's measured boot differs from what the VM key was sealed to (or from every
 * operator-approved update): the TPM refused to unseal and the VM cannot start here.
 */
export class BootMeasurementsChangedError extends Error {
  constructor(readonly vmId: string, readonly pcrs: number[], readonly tpmMessage: string) {
    const named = pcrs.map((p) => `PCR ${p}${componentsOf(p).length ? ` (${componentsOf(p).join(', ')})` : ''}`).join(', ');
    super(`VM ${vmId} cannot start on this host: its boot measurements changed in ${named || 'no PCR the sealing recorded (policy mismatch)'} ` +
      `since the VM key was sealed; the host TPM refused to unseal (${tpmMessage}). Boot the approved configuration, or have the operator approve the new measurements.`);
    this.name = 'BootMeasurementsChangedError';
  }
}
