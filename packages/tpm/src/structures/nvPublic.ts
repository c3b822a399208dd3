import { TPMA_NV_RESERVED } from '../constants/attributes.js';
import { TPM_RC } from '../constants/rc.js';
import { bitfield, sized, struct, u16, u32, type Codec } from '../codec/codec.js';
import { fail } from '../errors.js';
import { TPMI_RH_NV_INDEX } from '../pipeline/handleTypes.js';
import { TPM2B_DIGEST, TPMI_ALG_HASH } from './basic.js';

/** Largest NV index data area (MAX_NV_INDEX_SIZE; TPM_PT_NV_INDEX_MAX, swtpm's 2048). */
export const MAX_NV_INDEX_SIZE = 2048;

/** TPMA_NV (Part 2, 13.4): reserved bits 8-9 and 20-24 set are TPM_RC_RESERVED_BITS. */
export const TPMA_NV_CODEC = bitfield('TPMA_NV', u32, TPMA_NV_RESERVED);

/** dataSize: a UINT16 that the reference unmarshals with a MAX_NV_INDEX_SIZE bound (TPM_RC_SIZE). */
const NV_DATA_SIZE: Codec<number> = {
  name: 'TPMS_NV_PUBLIC.dataSize',
  read(r) {
    const n = u16.read(r);
    if (n > MAX_NV_INDEX_SIZE) fail(TPM_RC.SIZE, `dataSize ${n} > ${MAX_NV_INDEX_SIZE}`);
    return n;
  },
  write: (w, v) => u16.write(w, v),
};

/** TPMS_NV_PUBLIC (Part 2, 13.5): the Name of an index is nameAlg || H(this structure). */
export const TPMS_NV_PUBLIC = struct('TPMS_NV_PUBLIC', {
  nvIndex: TPMI_RH_NV_INDEX,
  nameAlg: TPMI_ALG_HASH,
  attributes: TPMA_NV_CODEC,
  authPolicy: TPM2B_DIGEST,
  dataSize: NV_DATA_SIZE,
});

export interface NvPublic {
  nvIndex: number;
  nameAlg: number;
  attributes: number;
  authPolicy: Buffer;
  dataSize: number;
}

/** TPM2B_NV_PUBLIC (Part 2, 13.6): size 0 or a size that does not match is TPM_RC_SIZE. */
export const TPM2B_NV_PUBLIC: Codec<NvPublic> = sized('TPM2B_NV_PUBLIC', TPMS_NV_PUBLIC);
