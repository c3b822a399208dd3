import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { restricted, selectedBy, struct, u16, union, type Codec } from '../codec/codec.js';
import { TPMI_ALG_HASH } from './basic.js';

/** Block modes implemented for AES (TPMI_ALG_SYM_MODE). */
const SYM_MODES = [TPM_ALG.CTR, TPM_ALG.OFB, TPM_ALG.CBC, TPM_ALG.CFB, TPM_ALG.ECB];

// AES-192 is not offered, as in swtpm/libtpms (TestParms, sessions and objects all refuse it alike).
export const TPMI_AES_KEY_BITS = restricted('TPMI_AES_KEY_BITS', u16, [128, 256], TPM_RC.VALUE);
export const TPMI_ALG_SYM_MODE_NULL = restricted('TPMI_ALG_SYM_MODE+', u16, [...SYM_MODES, TPM_ALG.NULL], TPM_RC.MODE);
/** TPMI_ALG_SYM+ (session symmetric: AES, XOR or NULL). */
export const TPMI_ALG_SYM_NULL = restricted('TPMI_ALG_SYM+', u16, [TPM_ALG.AES, TPM_ALG.XOR, TPM_ALG.NULL], TPM_RC.SYMMETRIC);
/** TPMI_ALG_SYM_OBJECT+ (object symmetric: AES or NULL). */
export const TPMI_ALG_SYM_OBJECT_NULL = restricted('TPMI_ALG_SYM_OBJECT+', u16, [TPM_ALG.AES, TPM_ALG.NULL], TPM_RC.SYMMETRIC);
export const TPMI_ALG_SYM_OBJECT = restricted('TPMI_ALG_SYM_OBJECT', u16, [TPM_ALG.AES], TPM_RC.SYMMETRIC);

/** TPMU_SYM_KEY_BITS: AES key size, or the XOR obfuscation hash. */
export const TPMU_SYM_KEY_BITS = union<number>(
  'TPMU_SYM_KEY_BITS',
  new Map<number, Codec<number> | null>([[TPM_ALG.AES, TPMI_AES_KEY_BITS], [TPM_ALG.XOR, TPMI_ALG_HASH], [TPM_ALG.NULL, null]]),
  TPM_RC.SYMMETRIC,
);
/** TPMU_SYM_MODE: AES block mode; XOR and NULL have none. */
export const TPMU_SYM_MODE = union<number>(
  'TPMU_SYM_MODE',
  new Map<number, Codec<number> | null>([[TPM_ALG.AES, TPMI_ALG_SYM_MODE_NULL], [TPM_ALG.XOR, null], [TPM_ALG.NULL, null]]),
  TPM_RC.SYMMETRIC,
);

/** TPMT_SYM_DEF+ (StartAuthSession.symmetric). */
export const TPMT_SYM_DEF = struct('TPMT_SYM_DEF', {
  algorithm: TPMI_ALG_SYM_NULL,
  keyBits: selectedBy('algorithm', TPMU_SYM_KEY_BITS),
  mode: selectedBy('algorithm', TPMU_SYM_MODE),
});
export type SymDef = { algorithm: number; keyBits: number; mode: number };

/** TPMT_SYM_DEF_OBJECT+ (storage keys' symmetric, symcipher objects). */
export const TPMT_SYM_DEF_OBJECT = struct('TPMT_SYM_DEF_OBJECT', {
  algorithm: TPMI_ALG_SYM_OBJECT_NULL,
  keyBits: selectedBy('algorithm', TPMU_SYM_KEY_BITS),
  mode: selectedBy('algorithm', TPMU_SYM_MODE),
});
