import { struct, sized, u16 } from '../codec/codec.js';
import { TPM2B_DATA, TPM2B_DIGEST, TPM2B_NAME } from './basic.js';
import { TPML_PCR_SELECTION } from './pcrSelection.js';
import { u8 } from '../codec/codec.js';

/** TPMS_CREATION_DATA (Part 2, 15.1): what the TPM vouches for about a new object's creation. */
export const TPMS_CREATION_DATA = struct('TPMS_CREATION_DATA', {
  pcrSelect: TPML_PCR_SELECTION,
  pcrDigest: TPM2B_DIGEST,
  locality: u8,
  parentNameAlg: u16,
  parentName: TPM2B_NAME,
  parentQualifiedName: TPM2B_NAME,
  outsideInfo: TPM2B_DATA,
});
export const TPM2B_CREATION_DATA = sized('TPM2B_CREATION_DATA', TPMS_CREATION_DATA);
