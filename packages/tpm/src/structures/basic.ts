import { TPM_ALG } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { TPM_SU, TPM_ST, TPM_SE } from '../constants/types.js';
import { HASH_ALGORITHMS, MAX_DIGEST_SIZE } from '../crypto/hashAlgorithms.js';
import { fixedBytes, restricted, selectedBy, struct, tpm2b, u16, u32, u8, union, list, type Codec } from '../codec/codec.js';

/** Implementation limits (PC Client Platform TPM Profile values, as swtpm/libtpms uses them). */
export const LIMITS = {
  MAX_DIGEST_BUFFER: 1024,
  MAX_NV_BUFFER_SIZE: 1024,
  MAX_EVENT_SIZE: 1024,
  MAX_CONTEXT_SIZE: 2680,
  MAX_SYM_DATA: 128,
  MAX_COMMAND_SIZE: 4096,
  MAX_RESPONSE_SIZE: 4096,
  MAX_CAP_BUFFER: 1024,
  HASH_COUNT: HASH_ALGORITHMS.length,
  PCR_COUNT: 24,
  PCR_SELECT_MIN: 3,
  PCR_SELECT_MAX: 3,
  MAX_SESSIONS_PER_COMMAND: 3,
  MAX_DIGEST_LIST: 8,
} as const;

const hashIds = HASH_ALGORITHMS.map((h) => h.alg);

/** TPMI_ALG_HASH: an implemented hash (TPM_RC_HASH otherwise). */
export const TPMI_ALG_HASH = restricted('TPMI_ALG_HASH', u16, hashIds, TPM_RC.HASH);
/** TPMI_ALG_HASH+: an implemented hash or TPM_ALG_NULL. */
export const TPMI_ALG_HASH_NULL = restricted('TPMI_ALG_HASH+', u16, [...hashIds, TPM_ALG.NULL], TPM_RC.HASH);

export const TPMI_ST_COMMAND_TAG = restricted('TPMI_ST_COMMAND_TAG', u16, [TPM_ST.NO_SESSIONS, TPM_ST.SESSIONS], TPM_RC.BAD_TAG);
export const TPM_SU_CODEC = restricted('TPM_SU', u16, [TPM_SU.CLEAR, TPM_SU.STATE], TPM_RC.VALUE);
export const TPM_SE_CODEC = restricted('TPM_SE', u8, [TPM_SE.HMAC, TPM_SE.POLICY, TPM_SE.TRIAL], TPM_RC.VALUE);
export const TPM_ALG_ID = u16;
export const TPM_HANDLE = u32;

export const TPM2B_DIGEST = tpm2b('TPM2B_DIGEST', MAX_DIGEST_SIZE);
export const TPM2B_NONCE = TPM2B_DIGEST;
export const TPM2B_AUTH = TPM2B_DIGEST;
/** TPM2B_DATA holds up to sizeof(TPMT_HA) = 66 octets (swtpm: 67 is TPM_RC_SIZE). */
export const TPM2B_DATA = tpm2b('TPM2B_DATA', MAX_DIGEST_SIZE + 2);
export const TPM2B_EVENT = tpm2b('TPM2B_EVENT', LIMITS.MAX_EVENT_SIZE);
export const TPM2B_MAX_BUFFER = tpm2b('TPM2B_MAX_BUFFER', LIMITS.MAX_DIGEST_BUFFER);
export const TPM2B_MAX_NV_BUFFER = tpm2b('TPM2B_MAX_NV_BUFFER', LIMITS.MAX_NV_BUFFER_SIZE);
export const TPM2B_SENSITIVE_DATA = tpm2b('TPM2B_SENSITIVE_DATA', 128);
export const TPM2B_NAME = tpm2b('TPM2B_NAME', MAX_DIGEST_SIZE + 2);

/** TPMU_HA: a digest whose size the hash algorithm decides. */
export const TPMU_HA = union<Buffer>(
  'TPMU_HA',
  new Map<number, Codec<Buffer> | null>([...HASH_ALGORITHMS.map((h) => [h.alg, fixedBytes(`TPMU_HA.${h.name}`, h.size)] as const), [TPM_ALG.NULL, null]]),
  TPM_RC.HASH,
);

/** TPMT_HA with an implemented hash (as in TPML_DIGEST_VALUES, where the reference refuses NULL). */
export const TPMT_HA = struct('TPMT_HA', { hashAlg: TPMI_ALG_HASH, digest: selectedBy('hashAlg', TPMU_HA) });
/** TPMT_HA+ (hashAlg may be TPM_ALG_NULL, with an empty digest). */
export const TPMT_HA_NULL = struct('TPMT_HA+', { hashAlg: TPMI_ALG_HASH_NULL, digest: selectedBy('hashAlg', TPMU_HA) });
export type TpmtHa = { hashAlg: number; digest: Buffer };

/** TPML_DIGEST_VALUES */
export const TPML_DIGEST_VALUES = list('TPML_DIGEST_VALUES', TPMT_HA, LIMITS.HASH_COUNT);
/** TPML_DIGEST (2..8 digests in PolicyOR; 0..8 here, callers check the minimum). */
export const TPML_DIGEST = list('TPML_DIGEST', TPM2B_DIGEST, LIMITS.MAX_DIGEST_LIST);
