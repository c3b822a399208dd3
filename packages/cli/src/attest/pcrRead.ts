import { PCR_Read, type PcrSelection, type TpmClient } from '@vtpm/tpm';
import { pcrValuesFromDigests, type PcrValues } from '@vtpm/attest';

/**
 * The values of `selection`: PCR_Read answers at most 8 digests, so it is repeated for what the
 * previous answers left out, as tpm2_pcrread does.
 */
export async function readPcrValues(client: TpmClient, selection: readonly PcrSelection[]): Promise<Map<number, Map<number, Buffer>>> {
  const out = new Map<number, Map<number, Buffer>>();
  let remaining = selection.map((s) => ({ hash: s.hash, pcrSelect: Buffer.from(s.pcrSelect) }));
  while (remaining.some((s) => s.pcrSelect.some((b) => b !== 0))) {
    const r = await client.run(PCR_Read, { params: { pcrSelectionIn: remaining } });
    const answered = r.pcrSelectionOut;
    if (!answered.some((s) => s.pcrSelect.some((b) => b !== 0))) throw new Error(`PCR_Read answered none of ${remaining.length} bank(s): the TPM lacks a requested bank`);
    merge(out, pcrValuesFromDigests(answered, r.pcrValues));
    remaining = remaining.map((s) => {
      const done = answered.find((a) => a.hash === s.hash)?.pcrSelect;
      return { hash: s.hash, pcrSelect: Buffer.from(s.pcrSelect.map((b, i) => b & ~(done?.[i] ?? 0))) };
    });
  }
  return out;
}

function merge(into: Map<number, Map<number, Buffer>>, values: PcrValues): void {
  for (const [bank, pcrs] of values) {
    if (!into.has(bank)) into.set(bank, new Map());
    for (const [pcr, v] of pcrs) into.get(bank)!.set(pcr, v);
  }
}
