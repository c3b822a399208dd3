import type { PcrBanks } from '../pcr/pcrBanks.js';

/**
 * Restored PCR values must fit the current allocation: a bank per allocated algorithm, in its
 * order, with a value exactly where a PCR is allocated. No banks at all: not started since manufacture.
 */
export function checkPcrValues(pcrs: PcrBanks, banks: Map<number, Buffer[]>, what: string): void {
  if (banks.size === 0) return;
  const algs = [...pcrs.allocated.keys()];
  if (banks.size !== algs.length || [...banks.keys()].some((alg, i) => alg !== algs[i])) throw new Error(`${what}: banks differ from the PCR allocation`);
  for (const [alg, bank] of banks) {
    bank.forEach((v, pcr) => {
      if ((v.length !== 0) !== pcrs.isAllocated(alg, pcr)) throw new Error(`${what}: PCR ${pcr} of bank 0x${alg.toString(16)} does not match the allocation`);
    });
  }
}
