import { TPM_ALG, TPM_ECC_CURVE } from '../constants/alg.js';
import { TPM_RC } from '../constants/rc.js';
import { none, restricted, selectedBy, struct, u16, u32, union, type Codec } from '../codec/codec.js';
import { TPMI_ALG_HASH, TPMI_ALG_HASH_NULL } from './basic.js';
import { TPMT_SYM_DEF_OBJECT } from './symmetric.js';

// Scheme details (TPMS_SCHEME_*): most carry just the hash; ECDAA adds a commit count.
const TPMS_SCHEME_HASH = struct('TPMS_SCHEME_HASH', { hashAlg: TPMI_ALG_HASH });
const TPMS_SCHEME_ECDAA = struct('TPMS_SCHEME_ECDAA', { hashAlg: TPMI_ALG_HASH, count: u16 });
export const TPMI_ALG_KDF = restricted('TPMI_ALG_KDF', u16, [TPM_ALG.MGF1, TPM_ALG.KDF1_SP800_56A, TPM_ALG.KDF1_SP800_108], TPM_RC.KDF);
const TPMI_ALG_KDF_NULL = restricted('TPMI_ALG_KDF+', u16, [TPM_ALG.MGF1, TPM_ALG.KDF1_SP800_56A, TPM_ALG.KDF1_SP800_108, TPM_ALG.NULL], TPM_RC.KDF);
/** TPMS_SCHEME_XOR: both members are '+' types (Part 2, 11.1.21). */
const TPMS_SCHEME_XOR = struct('TPMS_SCHEME_XOR', { hashAlg: TPMI_ALG_HASH_NULL, kdf: TPMI_ALG_KDF_NULL });

type SchemeDetails = { hashAlg: number; count?: number; kdf?: number } | null;
const hashOnly = (algs: number[]): [number, Codec<any> | null][] => algs.map((a) => [a, TPMS_SCHEME_HASH]);

/** Declares a TPMT_*_SCHEME: a TPMI_ALG_*_SCHEME+ selector and TPMU_*_SCHEME details. */
function scheme(name: string, members: readonly (readonly [number, Codec<any> | null])[], rc: number) {
  const selector = restricted(`${name}.scheme`, u16, [...members.map(([a]) => a), TPM_ALG.NULL], rc);
  const details = union<SchemeDetails>(`${name}.details`, new Map<number, Codec<any> | null>([...members, [TPM_ALG.NULL, null]]), rc);
  return struct(name, { scheme: selector, details: selectedBy('scheme', details) });
}

export const TPMT_KEYEDHASH_SCHEME = scheme('TPMT_KEYEDHASH_SCHEME', [[TPM_ALG.HMAC, TPMS_SCHEME_HASH], [TPM_ALG.XOR, TPMS_SCHEME_XOR]], TPM_RC.VALUE);
export const TPMT_RSA_SCHEME = scheme(
  'TPMT_RSA_SCHEME',
  [...hashOnly([TPM_ALG.RSASSA, TPM_ALG.RSAPSS, TPM_ALG.OAEP]), [TPM_ALG.RSAES, none]],
  TPM_RC.VALUE,
);
export const TPMT_ECC_SCHEME = scheme(
  'TPMT_ECC_SCHEME',
  [...hashOnly([TPM_ALG.ECDSA, TPM_ALG.ECDH, TPM_ALG.ECSCHNORR, TPM_ALG.ECMQV]), [TPM_ALG.ECDAA, TPMS_SCHEME_ECDAA]],
  TPM_RC.SCHEME,
);
export const TPMT_KDF_SCHEME = scheme('TPMT_KDF_SCHEME', hashOnly([TPM_ALG.MGF1, TPM_ALG.KDF1_SP800_56A, TPM_ALG.KDF1_SP800_108]), TPM_RC.KDF);
export type Scheme = { scheme: number; details: SchemeDetails };

export const TPMI_RSA_KEY_BITS = restricted('TPMI_RSA_KEY_BITS', u16, [1024, 2048, 3072, 4096], TPM_RC.VALUE);
export const TPMI_ECC_CURVE = restricted('TPMI_ECC_CURVE', u16, [TPM_ECC_CURVE.NIST_P256, TPM_ECC_CURVE.NIST_P384, TPM_ECC_CURVE.NIST_P521], TPM_RC.CURVE);
export const TPMI_ALG_PUBLIC = restricted('TPMI_ALG_PUBLIC', u16, [TPM_ALG.RSA, TPM_ALG.KEYEDHASH, TPM_ALG.ECC, TPM_ALG.SYMCIPHER], TPM_RC.TYPE);

export const TPMS_KEYEDHASH_PARMS = struct('TPMS_KEYEDHASH_PARMS', { scheme: TPMT_KEYEDHASH_SCHEME });
export const TPMS_SYMCIPHER_PARMS = struct('TPMS_SYMCIPHER_PARMS', { sym: TPMT_SYM_DEF_OBJECT });
export const TPMS_RSA_PARMS = struct('TPMS_RSA_PARMS', { symmetric: TPMT_SYM_DEF_OBJECT, scheme: TPMT_RSA_SCHEME, keyBits: TPMI_RSA_KEY_BITS, exponent: u32 });
export const TPMS_ECC_PARMS = struct('TPMS_ECC_PARMS', { symmetric: TPMT_SYM_DEF_OBJECT, scheme: TPMT_ECC_SCHEME, curveID: TPMI_ECC_CURVE, kdf: TPMT_KDF_SCHEME });

/** TPMU_PUBLIC_PARMS, selected by the object type. */
export const TPMU_PUBLIC_PARMS = union<any>(
  'TPMU_PUBLIC_PARMS',
  new Map<number, Codec<any>>([
    [TPM_ALG.KEYEDHASH, TPMS_KEYEDHASH_PARMS],
    [TPM_ALG.SYMCIPHER, TPMS_SYMCIPHER_PARMS],
    [TPM_ALG.RSA, TPMS_RSA_PARMS],
    [TPM_ALG.ECC, TPMS_ECC_PARMS],
  ]),
  TPM_RC.TYPE,
);

/** TPMT_PUBLIC_PARMS (TestParms). */
export const TPMT_PUBLIC_PARMS = struct('TPMT_PUBLIC_PARMS', { type: TPMI_ALG_PUBLIC, parameters: selectedBy('type', TPMU_PUBLIC_PARMS) });
