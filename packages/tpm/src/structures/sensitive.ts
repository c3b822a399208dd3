import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { restricted, selectedBy, sized, struct, tpm2b, u16, union, type Codec } from '../codec/codec.js';
import { MAX_DIGEST_SIZE } from '../crypto/hashAlgorithms.js';
import { TPM2B_AUTH, TPM2B_DIGEST, TPM2B_SENSITIVE_DATA } from './basic.js';
import { MAX_ECC_KEY_BYTES, MAX_RSA_KEY_BYTES, TPM2B_ECC_PARAMETER } from './public.js';

/** TPMS_SENSITIVE_CREATE / TPM2B_SENSITIVE_CREATE: the caller's authValue and data for a new object. */
export const TPMS_SENSITIVE_CREATE = struct('TPMS_SENSITIVE_CREATE', { userAuth: TPM2B_AUTH, data: TPM2B_SENSITIVE_DATA });
export const TPM2B_SENSITIVE_CREATE = sized('TPM2B_SENSITIVE_CREATE', TPMS_SENSITIVE_CREATE);
export type SensitiveCreate = { userAuth: Buffer; data: Buffer };

/** RSA private part: one prime, p (Part 2, 11.2.4.7: RSA_PRIVATE_SIZE = MAX_RSA_KEY_BYTES / 2). */
export const TPM2B_PRIVATE_KEY_RSA = tpm2b('TPM2B_PRIVATE_KEY_RSA', MAX_RSA_KEY_BYTES / 2);
export const TPM2B_SYM_KEY = tpm2b('TPM2B_SYM_KEY', 32);
export const TPM2B_PRIVATE_VENDOR_SPECIFIC = tpm2b('TPM2B_PRIVATE_VENDOR_SPECIFIC', MAX_RSA_KEY_BYTES);

export const TPMU_SENSITIVE_COMPOSITE = union<Buffer>(
  'TPMU_SENSITIVE_COMPOSITE',
  new Map<number, Codec<Buffer>>([
    [TPM_ALG.RSA, TPM2B_PRIVATE_KEY_RSA],
    [TPM_ALG.ECC, TPM2B_ECC_PARAMETER],
    [TPM_ALG.KEYEDHASH, TPM2B_SENSITIVE_DATA],
    [TPM_ALG.SYMCIPHER, TPM2B_SYM_KEY],
  ]),
  TPM_RC.TYPE,
);

/** TPMT_SENSITIVE (Part 2, 12.3.2.5). */
export const TPMT_SENSITIVE = struct('TPMT_SENSITIVE', {
  sensitiveType: restricted('TPMI_ALG_PUBLIC', u16, [TPM_ALG.RSA, TPM_ALG.ECC, TPM_ALG.KEYEDHASH, TPM_ALG.SYMCIPHER], TPM_RC.TYPE),
  authValue: TPM2B_AUTH,
  seedValue: TPM2B_DIGEST,
  sensitive: selectedBy('sensitiveType', TPMU_SENSITIVE_COMPOSITE),
});
export type TpmtSensitive = { sensitiveType: number; authValue: Buffer; seedValue: Buffer; sensitive: Buffer };

export const TPM2B_SENSITIVE = sized('TPM2B_SENSITIVE', TPMT_SENSITIVE);

/** TPM2B_PRIVATE: integrity HMAC and encrypted TPM2B_SENSITIVE (sizeof(_PRIVATE) in Part 2, 12.3.7). */
export const MAX_PRIVATE_SIZE = 2 + MAX_DIGEST_SIZE + 2 + 2 + 2 + MAX_DIGEST_SIZE + 2 + MAX_DIGEST_SIZE + 2 + MAX_RSA_KEY_BYTES / 2;
export const TPM2B_PRIVATE = tpm2b('TPM2B_PRIVATE', MAX_PRIVATE_SIZE);
/** TPM2B_ID_OBJECT: sizeof(TPMS_ID_OBJECT) = two TPM2B_DIGESTs (integrityHMAC, encIdentity), 132 octets as swtpm. */
export const TPM2B_ID_OBJECT = tpm2b('TPM2B_ID_OBJECT', 2 * (2 + MAX_DIGEST_SIZE));

