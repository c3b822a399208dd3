import type { PcrValues } from './tpmPcrs.js';

export interface PcrBankComparison {
  bank: number;
  tpm: Buffer | undefined;
  replayed: Buffer | undefined;
  match: boolean;
}
export interface PcrComparison {
  pcr: number;
  banks: PcrBankComparison[];
  match: boolean;
}

/** Every PCR either side has, bank by bank; a value missing on one side is a mismatch. */
export function comparePcrs(tpm: PcrValues, replayed: PcrValues): PcrComparison[] {
  const banks = [...new Set([...tpm.keys(), ...replayed.keys()])].sort((a, b) => a - b);
  const pcrs = [...new Set([...tpm.values(), ...replayed.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  return pcrs.map((pcr) => {
    const rows = banks.map((bank) => {
      const t = tpm.get(bank)?.get(pcr);
      const r = replayed.get(bank)?.get(pcr);
      return { bank, tpm: t, replayed: r, match: !!t && !!r && t.equals(r) };
    });
    return { pcr, banks: rows, match: rows.every((b) => b.match) };
  });
}
