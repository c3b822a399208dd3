import { CreatePrimary, TPM_ALG, TPM_ECC_CURVE, TPMA_OBJECT, type ClientAuth, type TpmClient, type TpmtPublic } from '../../src/index.js';
import { pw } from './startedTpm.js';

/** Key templates and primary keys shared by the unit tests. */

const { fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, decrypt, sign, noDA } = TPMA_OBJECT;
const AES128CFB = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };
const NO_SCHEME = { scheme: TPM_ALG.NULL, details: null };
const NO_SYMMETRIC = { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 };

/** A storage parent: restricted decryption, TPM-made, no dictionary-attack protection. */
export const STORAGE_ATTRIBUTES = fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | decrypt | noDA;
/** An ordinary signing key: TPM-made, no dictionary-attack protection. */
export const SIGNING_ATTRIBUTES = fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | sign | noDA;

/** A template with SHA-256 Names; `parameters` and `unique` as the key type has them. */
export function keyTemplate(type: number, objectAttributes: number, parameters: object, unique: TpmtPublic['unique'], authPolicy: Buffer = Buffer.alloc(0)): TpmtPublic {
  return { type, nameAlg: TPM_ALG.SHA256, objectAttributes, authPolicy, parameters, unique };
}
const NO_POINT = () => ({ x: Buffer.alloc(0), y: Buffer.alloc(0) });

/** An ECC P-256 storage key protecting its children with AES-128-CFB. */
export function eccStorageTemplate(attributes = STORAGE_ATTRIBUTES): TpmtPublic {
  return keyTemplate(TPM_ALG.ECC, attributes, { symmetric: AES128CFB, scheme: NO_SCHEME, curveID: TPM_ECC_CURVE.NIST_P256, kdf: NO_SCHEME }, NO_POINT());
}

/** An RSA-2048 storage key protecting its children with AES-128-CFB. */
export function rsaStorageTemplate(attributes = STORAGE_ATTRIBUTES): TpmtPublic {
  return keyTemplate(TPM_ALG.RSA, attributes, { symmetric: AES128CFB, scheme: NO_SCHEME, keyBits: 2048, exponent: 0 }, Buffer.alloc(0));
}

/** An ECC P-256 ECDSA-SHA256 signing key (not a decryption key), usable by policy `authPolicy`. */
export function eccSigningTemplate(attributes = SIGNING_ATTRIBUTES, authPolicy: Buffer = Buffer.alloc(0)): TpmtPublic {
  const ecdsa = { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } };
  return keyTemplate(TPM_ALG.ECC, attributes, { symmetric: NO_SYMMETRIC, scheme: ecdsa, curveID: TPM_ECC_CURVE.NIST_P256, kdf: NO_SCHEME }, NO_POINT(), authPolicy);
}

/** A sealed-data object; with an authPolicy and userWithAuth clear it opens only by policy. */
export function sealTemplate(opts: { authPolicy?: Buffer; userWithAuth?: boolean; adminWithPolicy?: boolean } = {}): TpmtPublic {
  let attrs = fixedTPM | fixedParent | noDA;
  if (opts.userWithAuth ?? true) attrs |= userWithAuth;
  if (opts.adminWithPolicy) attrs |= TPMA_OBJECT.adminWithPolicy;
  return keyTemplate(TPM_ALG.KEYEDHASH, attrs, { scheme: NO_SCHEME }, Buffer.alloc(0), opts.authPolicy);
}

export interface PrimaryOptions {
  /** The key's template; an ECC storage key by default. */
  template?: TpmtPublic;
  /** The key's own authValue. */
  userAuth?: string;
  /** How the hierarchy is authorized; its empty password by default. */
  auth?: ClientAuth;
  outsideInfo?: Buffer;
}

/** CreatePrimary in `hierarchy`. */
export function createPrimary(client: TpmClient, hierarchy: number, opts: PrimaryOptions = {}) {
  return client.run(CreatePrimary, {
    handles: { primaryHandle: hierarchy },
    auth: [opts.auth ?? pw()],
    params: {
      inSensitive: { userAuth: Buffer.from(opts.userAuth ?? ''), data: Buffer.alloc(0) },
      inPublic: opts.template ?? eccStorageTemplate(),
      outsideInfo: opts.outsideInfo ?? Buffer.alloc(0),
      creationPCR: [],
    },
  });
}
