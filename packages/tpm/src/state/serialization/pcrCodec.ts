import { list, struct, u8SizedBytes, type Codec } from '../../codec/codec.js';
import { TPM_RC } from '../../constants/rc.js';
import { hashAlgorithm } from '../../crypto/hashAlgorithms.js';
import { fail } from '../../errors.js';
import { LIMITS, TPM2B_DIGEST } from '../../structures/basic.js';
import { HASH_ALG, converted } from './stateCodecs.js';

/** Map order is kept (it is the banks' order everywhere); an algorithm twice is refused. */
function toMap<T>(name: string, entries: { hashAlg: number; value: T }[]): Map<number, T> {
  const m = new Map<number, T>();
  for (const e of entries) {
    if (m.has(e.hashAlg)) fail(TPM_RC.VALUE, `${name}: bank 0x${e.hashAlg.toString(16)} twice`);
    m.set(e.hashAlg, e.value);
  }
  return m;
}

const BANK = struct('PCR_BANK', { hashAlg: HASH_ALG, pcrs: list('PCR values', TPM2B_DIGEST, LIMITS.PCR_COUNT) });

/** PCR values per bank: PCR_COUNT digests each, empty where the PCR is not allocated. */
export const PCR_BANKS: Codec<Map<number, Buffer[]>> = converted(
  'PCR banks',
  list('PCR banks', BANK, LIMITS.HASH_COUNT),
  (banks) => {
    for (const b of banks) {
      if (b.pcrs.length !== LIMITS.PCR_COUNT) fail(TPM_RC.SIZE, `PCR bank 0x${b.hashAlg.toString(16)}: ${b.pcrs.length} PCRs`);
      const size = hashAlgorithm(b.hashAlg).size;
      if (b.pcrs.some((v) => v.length !== 0 && v.length !== size)) fail(TPM_RC.SIZE, `PCR bank 0x${b.hashAlg.toString(16)}: a value of the wrong size`);
    }
    return toMap('PCR banks', banks.map((b) => ({ hashAlg: b.hashAlg, value: b.pcrs })));
  },
  (m) => [...m].map(([hashAlg, pcrs]) => ({ hashAlg, pcrs })),
);

const SELECTION = struct('PCR_ALLOCATION', { hashAlg: HASH_ALG, pcrSelect: u8SizedBytes('pcrSelect', LIMITS.PCR_SELECT_MIN, LIMITS.PCR_SELECT_MAX) });

/** An allocation: the PCR bitmap of each bank (TPMS_PCR_SELECTION-like). */
export const PCR_ALLOCATION: Codec<Map<number, Buffer>> = converted(
  'PCR allocation',
  list('PCR allocation', SELECTION, LIMITS.HASH_COUNT),
  (sel) => toMap('PCR allocation', sel.map((s) => ({ hashAlg: s.hashAlg, value: s.pcrSelect }))),
  (m) => [...m].map(([hashAlg, pcrSelect]) => ({ hashAlg, pcrSelect })),
);
