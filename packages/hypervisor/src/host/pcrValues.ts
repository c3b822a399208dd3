import { PCR_Read, TPM_ALG, pcrBitmap, type TpmClient } from '@vtpm/tpm';

/** SHA-256 PCR values by PCR index (the bank the host's policies use). */
export type Sha256Pcrs = Map<number, Buffer>;

export const pcrSelectionOf = (pcrs: readonly number[]) => [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap(pcrs) }];

/** Reads SHA-256 PCRs (PCR_Read returns at most 8 per call). */
export async function readSha256Pcrs(client: TpmClient, pcrs: readonly number[]): Promise<Sha256Pcrs> {
  const values: Sha256Pcrs = new Map();
  for (let i = 0; i < pcrs.length; i += 8) {
    const chunk = pcrs.slice(i, i + 8);
    const { pcrValues } = await client.run(PCR_Read, { params: { pcrSelectionIn: pcrSelectionOf(chunk) } });
    chunk.forEach((pcr, j) => values.set(pcr, Buffer.from(pcrValues[j]!)));
  }
  return values;
}

/** The PCRs whose values differ between two readings (missing counts as different), ascending. */
export function differingPcrs(expected: Sha256Pcrs, actual: Sha256Pcrs): number[] {
  return [...new Set([...expected.keys(), ...actual.keys()])]
    .filter((pcr) => !(expected.get(pcr) && actual.get(pcr) && expected.get(pcr)!.equals(actual.get(pcr)!)))
    .sort((a, b) => a - b);
}

export const pcrsToHex = (pcrs: Sha256Pcrs): Record<string, string> => Object.fromEntries([...pcrs].map(([k, v]) => [String(k), v.toString('hex')]));
export const pcrsFromHex = (hex: Record<string, string>): Sha256Pcrs => new Map(Object.entries(hex).map(([k, v]) => [Number(k), Buffer.from(v, 'hex')]));
