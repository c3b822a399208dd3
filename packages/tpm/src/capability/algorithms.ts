import { TPM_ALG, TPMA_ALGORITHM, TPM_ECC_CURVE } from '../constants/alg.js';

const { asymmetric, symmetric, hash, object, signing, encrypting, method } = TPMA_ALGORITHM;

/**
 * The implemented algorithms and their TPMA_ALGORITHM (GetCapability(ALGS)), ascending by ID.
 * Attributes are the reference implementation's (AlgorithmCap.c); the set is what our codecs accept.
 * swtpm 0.7.1 additionally lists TDES, SM2, KDF2, CAMELLIA and CMAC, which vtpm does not implement.
 */
export const IMPLEMENTED_ALGORITHMS: readonly { readonly alg: number; readonly attributes: number }[] = [
  { alg: TPM_ALG.RSA, attributes: asymmetric | object },
  { alg: TPM_ALG.SHA1, attributes: hash },
  { alg: TPM_ALG.HMAC, attributes: hash | signing },
  { alg: TPM_ALG.AES, attributes: symmetric },
  { alg: TPM_ALG.MGF1, attributes: hash | method },
  { alg: TPM_ALG.KEYEDHASH, attributes: hash | object | signing | encrypting },
  { alg: TPM_ALG.XOR, attributes: symmetric | hash },
  { alg: TPM_ALG.SHA256, attributes: hash },
  { alg: TPM_ALG.SHA384, attributes: hash },
  { alg: TPM_ALG.SHA512, attributes: hash },
  { alg: TPM_ALG.RSASSA, attributes: asymmetric | signing },
  { alg: TPM_ALG.RSAES, attributes: asymmetric | encrypting },
  { alg: TPM_ALG.RSAPSS, attributes: asymmetric | signing },
  { alg: TPM_ALG.OAEP, attributes: asymmetric | encrypting },
  // swtpm 0.7.1 reports ECDSA without `method` (newer reference code adds it).
  { alg: TPM_ALG.ECDSA, attributes: asymmetric | signing },
  { alg: TPM_ALG.ECDH, attributes: asymmetric | method },
  { alg: TPM_ALG.ECDAA, attributes: asymmetric | signing },
  { alg: TPM_ALG.ECSCHNORR, attributes: asymmetric | signing },
  { alg: TPM_ALG.ECMQV, attributes: asymmetric | method },
  { alg: TPM_ALG.KDF1_SP800_56A, attributes: hash | method },
  { alg: TPM_ALG.KDF1_SP800_108, attributes: hash | method },
  { alg: TPM_ALG.ECC, attributes: asymmetric | object },
  { alg: TPM_ALG.SYMCIPHER, attributes: object },
  { alg: TPM_ALG.CTR, attributes: symmetric | encrypting },
  { alg: TPM_ALG.OFB, attributes: symmetric | encrypting },
  { alg: TPM_ALG.CBC, attributes: symmetric | encrypting },
  { alg: TPM_ALG.CFB, attributes: symmetric | encrypting },
  { alg: TPM_ALG.ECB, attributes: symmetric | encrypting },
];

const implemented = new Set(IMPLEMENTED_ALGORITHMS.map((a) => a.alg));
export function isImplementedAlgorithm(alg: number): boolean {
  return implemented.has(alg);
}

/** The curves TPMI_ECC_CURVE accepts (GetCapability(ECC_CURVES), TPM_PT_LOADED_CURVES), ascending. */
export const IMPLEMENTED_CURVES: readonly number[] = [TPM_ECC_CURVE.NIST_P256, TPM_ECC_CURVE.NIST_P384, TPM_ECC_CURVE.NIST_P521];

/**
 * Key sizes objects may have. TPMI_RSA_KEY_BITS and TPMI_AES_KEY_BITS also admit RSA-4096 and
 * AES-192; libtpms (swtpm 0.7.1) implements neither and TestParms refuses them, so do we.
 */
export const RSA_KEY_SIZES: readonly number[] = [1024, 2048, 3072];
export const AES_KEY_SIZES: readonly number[] = [128, 256];
