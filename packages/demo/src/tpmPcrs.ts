import { PCR_Extend, PCR_Read, pcrBitmap, selectedPcrs, type TpmClient } from '@vtpm/tpm';
import type { LogDigest } from '@vtpm/attest';

/** PCR values: bank (TPM_ALG_ID) -> PCR index -> value. */
export type PcrValues = Map<number, Map<number, Buffer>>;

/** Extends one PCR in every bank the digests name (PCR_Extend with a password session, empty auth). */
export async function extendPcr(client: TpmClient, pcrIndex: number, digests: readonly LogDigest[]): Promise<void> {
  await client.run(PCR_Extend, {
    handles: { pcrHandle: pcrIndex },
    params: { digests: digests.map((d) => ({ hashAlg: d.algorithmId, digest: d.digest })) },
    auth: [{ password: '' }],
  });
}

/**
 * Reads PCRs from every given bank. A TPM answers at most eight digests per PCR_Read and says which
 * it returned (pcrSelectionOut), so this asks again for the rest.
 */
export async function readPcrs(client: TpmClient, banks: readonly number[], pcrs: readonly number[]): Promise<PcrValues> {
  const out: PcrValues = new Map(banks.map((b) => [b, new Map()]));
  const pending = new Map(banks.map((b) => [b, new Set(pcrs)]));
  while ([...pending.values()].some((s) => s.size > 0)) {
    const request = [...pending].filter(([, s]) => s.size > 0).map(([hash, s]) => ({ hash, pcrSelect: pcrBitmap(s) }));
    const r = await client.run(PCR_Read, { params: { pcrSelectionIn: request } });
    let i = 0;
    for (const sel of r.pcrSelectionOut) {
      for (const pcr of selectedPcrs(sel.pcrSelect)) {
        out.get(sel.hash)!.set(pcr, r.pcrValues[i++]!);
        pending.get(sel.hash)!.delete(pcr);
      }
    }
    if (i === 0) throw new Error(`PCR_Read returned nothing for ${JSON.stringify(request.map((s) => s.hash))}: bank not allocated?`);
  }
  return out;
}
