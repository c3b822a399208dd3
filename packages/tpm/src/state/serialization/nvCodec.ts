import { struct, tpm2b, type Codec } from '../../codec/codec.js';
import { TPM_RC } from '../../constants/rc.js';
import { fail } from '../../errors.js';
import { NvIndex } from '../../nv/nvIndex.js';
import { TPM2B_AUTH } from '../../structures/basic.js';
import { MAX_NV_INDEX_SIZE, TPMA_NV_CODEC, TPMS_NV_PUBLIC, type NvPublic } from '../../structures/nvPublic.js';
import { ascendingBy, converted, optional } from './stateCodecs.js';

const NV_DATA = tpm2b('NV data', MAX_NV_INDEX_SIZE);

/**
 * An NV index: its public area as it is now (attributes with WRITTEN and the locks), authValue,
 * data (dataSize octets) and, for ORDERLY indices, the image last saved to NV.
 */
export const NV_INDEX: Codec<NvIndex> = converted(
  'NV_INDEX',
  struct('NV_INDEX', {
    public: TPMS_NV_PUBLIC,
    authValue: TPM2B_AUTH,
    data: NV_DATA,
    saved: optional('NV_INDEX.saved', struct('NV_ORDERLY_IMAGE', { data: NV_DATA, attributes: TPMA_NV_CODEC })),
  }),
  (v) => {
    const pub = v.public as NvPublic;
    if (v.data.length !== pub.dataSize) fail(TPM_RC.SIZE, `NV index 0x${pub.nvIndex.toString(16)}: ${v.data.length} data octets, dataSize ${pub.dataSize}`);
    if (v.saved && v.saved.data.length !== pub.dataSize) fail(TPM_RC.SIZE, `NV index 0x${pub.nvIndex.toString(16)}: saved image of the wrong size`);
    const index = new NvIndex(pub, v.authValue);
    index.data = v.data;
    index.saved = v.saved;
    return index;
  },
  (i) => ({ public: i.publicArea(), authValue: i.authValue, data: i.data, saved: i.saved }),
);

/** Every defined index, by handle. NV space bounds their number (about a thousand). */
export const NV_INDICES = ascendingBy('NV indices', NV_INDEX, 4096, (i) => i.handle);
