import { algName, digestSize, hash, selectedPcrs, type PcrSelection } from '@vtpm/tpm';
import { refuse } from '../refusal.js';

/**
 * PCR values as evidence carries them: bank (TPM_ALG_ID) -> PCR index -> value. The same shape as
 * the event log replay gives, so the two compare directly.
 */
export type PcrValues = ReadonlyMap<number, ReadonlyMap<number, Buffer>>;

/**
 * The values of the selected PCRs in quote order: the selection's banks as listed, each bank's
 * PCRs ascending (Part 3, 18.4; the reference's PCRComputeCurrentDigest). Missing or wrongly
 * sized values are refused.
 */
export function valuesInSelectionOrder(selection: readonly PcrSelection[], values: PcrValues): Buffer[] {
  const out: Buffer[] = [];
  for (const { hash: bank, pcrSelect } of selection) {
    for (const pcr of selectedPcrs(pcrSelect)) {
      const v = values.get(bank)?.get(pcr);
      if (!v) refuse('pcr-values-missing', `no value supplied for ${algName(bank)} PCR ${pcr}, which the quote covers`);
      if (v.length !== digestSize(bank)) refuse('pcr-values-missing', `${algName(bank)} PCR ${pcr} is ${v.length} octets, not ${digestSize(bank)}`);
      out.push(v);
    }
  }
  return out;
}

/** TPMS_QUOTE_INFO.pcrDigest for `values`: H_hashAlg over the selected values concatenated in quote order. */
export function pcrDigest(hashAlg: number, selection: readonly PcrSelection[], values: PcrValues): Buffer {
  return hash(hashAlg, Buffer.concat(valuesInSelectionOrder(selection, values)));
}

/** Only the values a selection covers (what a verified quote vouches for). */
export function restrictToSelection(selection: readonly PcrSelection[], values: PcrValues): PcrValues {
  const out = new Map<number, Map<number, Buffer>>();
  for (const { hash: bank, pcrSelect } of selection) {
    for (const pcr of selectedPcrs(pcrSelect)) {
      const v = values.get(bank)?.get(pcr);
      if (!v) continue;
      if (!out.has(bank)) out.set(bank, new Map());
      out.get(bank)!.set(pcr, v);
    }
  }
  return out;
}

/**
 * PCR values from digests listed in quote order (PCR_Read answers, tpm2-tools files): each
 * selected PCR of each bank, ascending, takes the next digest. The digests must be exactly enough.
 */
export function pcrValuesFromDigests(selection: readonly PcrSelection[], digests: readonly Buffer[]): PcrValues {
  const out = new Map<number, Map<number, Buffer>>();
  let next = 0;
  for (const { hash: bank, pcrSelect } of selection) {
    for (const pcr of selectedPcrs(pcrSelect)) {
      const d = digests[next++] ?? refuse('pcr-values-missing', `the PCR values end before ${algName(bank)} PCR ${pcr}`);
      if (d.length !== digestSize(bank)) refuse('pcr-values-missing', `${algName(bank)} PCR ${pcr} is ${d.length} octets, not ${digestSize(bank)}`);
      if (!out.has(bank)) out.set(bank, new Map());
      out.get(bank)!.set(pcr, d);
    }
  }
  if (next !== digests.length) refuse('pcr-values-missing', `${digests.length - next} PCR values more than the selection covers`);
  return out;
}
