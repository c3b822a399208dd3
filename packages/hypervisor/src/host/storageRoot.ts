import { CreatePrimary, TPM_ALG, TPM_ECC_CURVE, TPM_RH, TPMA_OBJECT, type TpmClient, type TpmtPublic } from '@vtpm/tpm';

const { fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, decrypt, sign, noDA } = TPMA_OBJECT;
const NONE = { scheme: TPM_ALG.NULL, details: null };
const NO_POINT = () => ({ x: Buffer.alloc(0), y: Buffer.alloc(0) });

/** The storage root key (ECC P-256, AES-128-CFB for children): derived from the owner seed, so recreated identically at every boot. */
export const STORAGE_ROOT_TEMPLATE: TpmtPublic = {
  type: TPM_ALG.ECC, nameAlg: TPM_ALG.SHA256, objectAttributes: fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | decrypt | noDA, authPolicy: Buffer.alloc(0),
  parameters: { symmetric: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB }, scheme: NONE, curveID: TPM_ECC_CURVE.NIST_P256, kdf: NONE },
  unique: NO_POINT(),
};

/** The attestation key: a restricted ECDSA-SHA256 signing key in the endorsement hierarchy. */
export const ATTESTATION_KEY_TEMPLATE: TpmtPublic = {
  type: TPM_ALG.ECC, nameAlg: TPM_ALG.SHA256, objectAttributes: fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | sign | noDA, authPolicy: Buffer.alloc(0),
  parameters: { symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 }, scheme: { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } }, curveID: TPM_ECC_CURVE.NIST_P256, kdf: NONE },
  unique: NO_POINT(),
};

export function createPrimaryKey(client: TpmClient, hierarchy: number, template: TpmtPublic) {
  return client.run(CreatePrimary, {
    handles: { primaryHandle: hierarchy }, auth: [{ password: '' }],
    params: { inSensitive: { userAuth: Buffer.alloc(0), data: Buffer.alloc(0) }, inPublic: template, outsideInfo: Buffer.alloc(0), creationPCR: [] },
  });
}

export const createStorageRoot = (client: TpmClient) => createPrimaryKey(client, TPM_RH.OWNER, STORAGE_ROOT_TEMPLATE);
export const createAttestationKey = (client: TpmClient) => createPrimaryKey(client, TPM_RH.ENDORSEMENT, ATTESTATION_KEY_TEMPLATE);
