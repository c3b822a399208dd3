import { TPM_ALG } from '../constants/alg.js';
import { TPMA_OBJECT_RESERVED } from '../constants/attributes.js';
import { TPM_RC } from '../constants/rc.js';
import { bitfield, selectedBy, sized, struct, tpm2b, u32, union, type Codec } from '../codec/codec.js';
import { MAX_DIGEST_SIZE } from '../crypto/hashAlgorithms.js';
import { TPM2B_DIGEST, TPMI_ALG_HASH_NULL } from './basic.js';
import { TPMI_ALG_PUBLIC, TPMU_PUBLIC_PARMS } from './publicParms.js';

/** Largest sizes the structures carry (Part 2 buffers): RSA 4096 bits, ECC P-521. Keys above RSA 3072 are refused. */
export const MAX_RSA_KEY_BYTES = 512;
export const MAX_ECC_KEY_BYTES = 80;

export const TPMA_OBJECT_CODEC = bitfield('TPMA_OBJECT', u32, TPMA_OBJECT_RESERVED);
export const TPM2B_PUBLIC_KEY_RSA = tpm2b('TPM2B_PUBLIC_KEY_RSA', MAX_RSA_KEY_BYTES);
export const TPM2B_ECC_PARAMETER = tpm2b('TPM2B_ECC_PARAMETER', MAX_ECC_KEY_BYTES);
export const TPMS_ECC_POINT = struct('TPMS_ECC_POINT', { x: TPM2B_ECC_PARAMETER, y: TPM2B_ECC_PARAMETER });
export type EccPoint = { x: Buffer; y: Buffer };
export const TPM2B_ECC_POINT = sized('TPM2B_ECC_POINT', TPMS_ECC_POINT);

/** TPMU_PUBLIC_ID: the unique field (RSA modulus, ECC point, or a digest for keyedhash/symcipher). */
export const TPMU_PUBLIC_ID = union<Buffer | EccPoint>(
  'TPMU_PUBLIC_ID',
  new Map<number, Codec<any>>([
    [TPM_ALG.KEYEDHASH, TPM2B_DIGEST],
    [TPM_ALG.SYMCIPHER, TPM2B_DIGEST],
    [TPM_ALG.RSA, TPM2B_PUBLIC_KEY_RSA],
    [TPM_ALG.ECC, TPMS_ECC_POINT],
  ]),
  TPM_RC.TYPE,
);

/** TPMT_PUBLIC (Part 2, 12.2.4). */
export const TPMT_PUBLIC = struct('TPMT_PUBLIC', {
  type: TPMI_ALG_PUBLIC,
  nameAlg: TPMI_ALG_HASH_NULL,
  objectAttributes: TPMA_OBJECT_CODEC,
  authPolicy: TPM2B_DIGEST,
  parameters: selectedBy('type', TPMU_PUBLIC_PARMS),
  unique: selectedBy('type', TPMU_PUBLIC_ID),
});

export interface TpmtPublic {
  type: number;
  nameAlg: number;
  objectAttributes: number;
  authPolicy: Buffer;
  /** TPMS_RSA_PARMS | TPMS_ECC_PARMS | TPMS_KEYEDHASH_PARMS | TPMS_SYMCIPHER_PARMS, by type. */
  parameters: any;
  unique: Buffer | EccPoint;
}

export const TPM2B_PUBLIC = sized('TPM2B_PUBLIC', TPMT_PUBLIC) as unknown as Codec<TpmtPublic>;
/** TPM2B_TEMPLATE (CreateLoaded): a marshalled TPMT_PUBLIC or TPMT_TEMPLATE, parsed by the command. */
export const TPM2B_TEMPLATE = tpm2b('TPM2B_TEMPLATE', 2 + 2 + 4 + 2 + MAX_DIGEST_SIZE + 64 + 2 + MAX_RSA_KEY_BYTES);
