import { TPM_ALG, pcrBitmap } from '@vtpm/tpm';
import { readPcrs, type ReleasePolicy } from '../../src/index.js';
import type { MeasuredHost } from './measuredHost.js';

export const POLICY_PCRS = [0, 1, 4, 7];

/** A policy allowing exactly the PCR values `reference` booted into (a golden host). */
export async function policyFromGoldenHost(reference: MeasuredHost, hostClass = 'hypervisor-1.0'): Promise<ReleasePolicy> {
  const values = await readPcrs(reference.tpm, [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap(POLICY_PCRS) }]);
  const sha256 = values.get(TPM_ALG.SHA256)!;
  return {
    hostClass,
    pcrs: { sha256: POLICY_PCRS },
    allowedPcrValues: { sha256: Object.fromEntries(POLICY_PCRS.map((p) => [String(p), [sha256.get(p)!.toString('hex')]])) },
  };
}
