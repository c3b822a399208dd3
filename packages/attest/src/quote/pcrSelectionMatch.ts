import { hashAlgorithm, selectedPcrs, type PcrSelection } from '@vtpm/tpm';

/** bank -> selected PCRs; banks with nothing selected are dropped (a TPM lists deallocated banks empty). */
export function selectedByBank(selection: readonly PcrSelection[]): Map<number, Set<number>> {
  const banks = new Map<number, Set<number>>();
  for (const { hash, pcrSelect } of selection) {
    const pcrs = selectedPcrs(pcrSelect);
    if (!pcrs.length) continue;
    const set = banks.get(hash) ?? new Set<number>();
    for (const p of pcrs) set.add(p);
    banks.set(hash, set);
  }
  return banks;
}

/**
 * Whether two selections select the same PCRs of the same banks. The bitmap size and empty entries
 * do not matter; what is quoted does (a TPM drops PCRs of deallocated banks, which must show here).
 */
export function samePcrSelection(a: readonly PcrSelection[], b: readonly PcrSelection[]): boolean {
  return sameBanks(selectedByBank(a), selectedByBank(b));
}

/** samePcrSelection over selectedByBank results. */
export function sameBanks(x: ReadonlyMap<number, ReadonlySet<number>>, y: ReadonlyMap<number, ReadonlySet<number>>): boolean {
  if (x.size !== y.size) return false;
  for (const [bank, pcrs] of x) {
    const other = y.get(bank);
    if (!other || other.size !== pcrs.size) return false;
    for (const p of pcrs) if (!other.has(p)) return false;
  }
  return true;
}

/** The two bitmaps select the same PCRs (a shorter one reads as zero-extended). */
function sameBitmap(a: Uint8Array, b: Uint8Array): boolean {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return false;
  return true;
}

/**
 * samePcrSelection for selections listed alike (the usual case: a quote echoes the selection it
 * was asked for), without building maps: same length, entry by entry the same bank and PCRs.
 * False means "not listed alike", which samePcrSelection must then decide.
 */
export function listedAlike(a: readonly PcrSelection[], b: readonly PcrSelection[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.hash !== b[i]!.hash || !sameBitmap(a[i]!.pcrSelect, b[i]!.pcrSelect)) return false;
  return true;
}

/** Banks that have at least one PCR selected. */
export function selectedBanks(selection: readonly PcrSelection[]): number[] {
  return [...selectedByBank(selection).keys()];
}

/** tpm2-tools notation: "sha256:0,1,7+sha1:3" ("(none)" for an empty selection). */
export function describePcrSelection(selection: readonly PcrSelection[]): string {
  const parts = [...selectedByBank(selection)].map(([bank, pcrs]) => `${hashAlgorithm(bank).name}:${[...pcrs].sort((p, q) => p - q).join(',')}`);
  return parts.length ? parts.join('+') : '(none)';
}
