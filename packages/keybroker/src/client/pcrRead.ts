import { PCR_Read, type PcrSelection, type TpmClient } from '@vtpm/tpm';
import { pcrValuesFromDigests, type PcrValues } from '@vtpm/attest';

/** Reads every selected PCR; PCR_Read returns at most 8 digests, so it asks again for what is left. */
export async function readPcrs(client: TpmClient, selection: PcrSelection[]): Promise<PcrValues> {
  const out = new Map<number, Map<number, Buffer>>();
  let remaining = selection.map((s) => ({ hash: s.hash, pcrSelect: Buffer.from(s.pcrSelect) }));
  while (remaining.some((r) => r.pcrSelect.some((b) => b))) {
    const r = await client.run(PCR_Read, { params: { pcrSelectionIn: remaining } });
    if (!r.pcrValues.length) throw new Error('PCR_Read returned no values: a selected bank is not allocated on this TPM');
    for (const [bank, values] of pcrValuesFromDigests(r.pcrSelectionOut, r.pcrValues)) {
      if (!out.has(bank)) out.set(bank, new Map());
      for (const [pcr, v] of values) out.get(bank)!.set(pcr, v);
    }
    remaining = remaining.map((x) => ({ hash: x.hash, pcrSelect: Buffer.from(x.pcrSelect.map((b, i) => b & ~(r.pcrSelectionOut.find((o) => o.hash === x.hash)?.pcrSelect[i] ?? 0))) }));
  }
  return out;
}
