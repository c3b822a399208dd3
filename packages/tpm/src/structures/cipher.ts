import { tpm2b } from '../codec/codec.js';
import { TPMI_ALG_SYM_MODE_NULL } from './symmetric.js';

/** Largest block of an implemented block cipher (AES). */
export const MAX_SYM_BLOCK_SIZE = 16;

/** TPM2B_IV (Part 2, 11.1.12): an IV or chaining value, at most one block. */
export const TPM2B_IV = tpm2b('TPM2B_IV', MAX_SYM_BLOCK_SIZE);

/** TPMI_ALG_CIPHER_MODE+ (EncryptDecrypt): the block modes of TPMI_ALG_SYM_MODE+, TPM_RC_MODE otherwise. */
export const TPMI_ALG_CIPHER_MODE_NULL = TPMI_ALG_SYM_MODE_NULL;
