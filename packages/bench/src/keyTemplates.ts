import { TPM_ALG, TPM_ECC_CURVE, TPMA_OBJECT, type TpmtPublic } from '@vtpm/tpm';

/** The public templates of the key and session workloads: what tpm2-tools and the TCG profiles use. */

const { fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, decrypt, sign, noDA } = TPMA_OBJECT;
const NO_SCHEME = { scheme: TPM_ALG.NULL, details: null };
const NO_SYMMETRIC = { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 };
const AES128CFB = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };
const STORAGE = fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | decrypt | noDA;
const SIGNING = fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | sign | noDA;
const AK = SIGNING | restricted;
const emptyPoint = () => ({ x: Buffer.alloc(0), y: Buffer.alloc(0) });

/** ECC P-256 storage key (tpm2_createprimary's default SRK): AES-128-CFB, no scheme; `uniqueX` makes it a different key. */
export function eccStorageTemplate(uniqueX: Buffer = Buffer.alloc(0)): TpmtPublic {
  return {
    type: TPM_ALG.ECC,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: STORAGE,
    authPolicy: Buffer.alloc(0),
    parameters: { symmetric: AES128CFB, scheme: NO_SCHEME, curveID: TPM_ECC_CURVE.NIST_P256, kdf: NO_SCHEME },
    unique: { x: uniqueX, y: Buffer.alloc(0) },
  };
}

/** RSA-2048 storage key (tpm2_createprimary -G rsa); `unique` makes it a different key. */
export function rsaStorageTemplate(unique: Buffer = Buffer.alloc(0)): TpmtPublic {
  return {
    type: TPM_ALG.RSA,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: STORAGE,
    authPolicy: Buffer.alloc(0),
    parameters: { symmetric: AES128CFB, scheme: NO_SCHEME, keyBits: 2048, exponent: 0 },
    unique,
  };
}

/** ECC P-256 signing key with ECDSA-SHA256, unrestricted (signs any digest); `restricted` makes it an AK. */
export function eccSigningTemplate(restrictedKey = false): TpmtPublic {
  return {
    type: TPM_ALG.ECC,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: restrictedKey ? AK : SIGNING,
    authPolicy: Buffer.alloc(0),
    parameters: { symmetric: NO_SYMMETRIC, scheme: { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } }, curveID: TPM_ECC_CURVE.NIST_P256, kdf: NO_SCHEME },
    unique: emptyPoint(),
  };
}

/** RSA-2048 attestation key with RSASSA-SHA256 (restricted signing). */
export function rsaAkTemplate(): TpmtPublic {
  return {
    type: TPM_ALG.RSA,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: AK,
    authPolicy: Buffer.alloc(0),
    parameters: { symmetric: NO_SYMMETRIC, scheme: { scheme: TPM_ALG.RSASSA, details: { hashAlg: TPM_ALG.SHA256 } }, keyBits: 2048, exponent: 0 },
    unique: Buffer.alloc(0),
  };
}

/** A sealed-data object; with `authPolicy` it opens only by that policy (userWithAuth clear). */
export function sealedTemplate(authPolicy?: Buffer): TpmtPublic {
  return {
    type: TPM_ALG.KEYEDHASH,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: fixedTPM | fixedParent | noDA | (authPolicy ? 0 : userWithAuth),
    authPolicy: authPolicy ?? Buffer.alloc(0),
    parameters: { scheme: NO_SCHEME },
    unique: Buffer.alloc(0),
  };
}
