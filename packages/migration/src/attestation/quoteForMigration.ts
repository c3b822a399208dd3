import { encodeEvidence, evidenceFromTpmClient } from '@vtpm/attest';
import type { Host } from '@vtpm/hypervisor';

/** The destination's evidence: a host quote over `qualifyingData` with PCRs, AK public and event log, as @vtpm/attest CBOR. */
export async function quoteForMigration(host: Host, qualifyingData: Buffer): Promise<Buffer> {
  const q = await host.quote(qualifyingData);
  const evidence = evidenceFromTpmClient({ quote: q.quote, pcrs: q.pcrs, akPublic: q.akPublic, nonce: qualifyingData, eventLog: host.eventLog });
  if (!evidence.ok) throw new Error(`cannot build attestation evidence: ${evidence.message}`);
  return encodeEvidence(evidence.value);
}
