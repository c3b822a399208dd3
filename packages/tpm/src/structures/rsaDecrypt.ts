import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { none, restricted, selectedBy, struct, u16, union, type Codec } from '../codec/codec.js';
import { TPMI_ALG_HASH } from './basic.js';

/** TPMI_ALG_RSA_DECRYPT+ (Part 2, 11.2.4.3): RSAES, OAEP, or NULL for raw RSA. */
export const TPMI_ALG_RSA_DECRYPT_NULL = restricted('TPMI_ALG_RSA_DECRYPT+', u16, [TPM_ALG.RSAES, TPM_ALG.OAEP, TPM_ALG.NULL], TPM_RC.VALUE);

/** TPMT_RSA_DECRYPT (RSA_Encrypt / RSA_Decrypt inScheme): OAEP names its hash; RSAES has no details. */
export const TPMT_RSA_DECRYPT = struct('TPMT_RSA_DECRYPT', {
  scheme: TPMI_ALG_RSA_DECRYPT_NULL,
  details: selectedBy(
    'scheme',
    union<{ hashAlg?: number } | null>(
      'TPMU_ASYM_SCHEME',
      new Map<number, Codec<any> | null>([
        [TPM_ALG.RSAES, none],
        [TPM_ALG.OAEP, struct('TPMS_ENC_SCHEME_OAEP', { hashAlg: TPMI_ALG_HASH })],
        [TPM_ALG.NULL, null],
      ]),
      TPM_RC.VALUE,
    ),
  ),
});
export type RsaDecryptScheme = { scheme: number; details: { hashAlg?: number } | null };
