import { randomBytes } from 'node:crypto';
import { TPM_ALG } from '../constants/alg.js';
import { TPMA_OBJECT } from '../constants/attributes.js';
import { TPM_RC } from '../constants/rc.js';
import { marshal } from '../codec/codec.js';
import { Reader } from '../codec/reader.js';
import { secretEncrypt } from '../crypto/asymmetricSecret.js';
import { digestSize } from '../crypto/hashAlgorithms.js';
import { fail } from '../errors.js';
import { TPM2B_DIGEST } from '../structures/basic.js';
import type { TpmtPublic } from '../structures/public.js';
import { produceOuterWrap, unwrapOuter } from './protectedStorage.js';
import { seededProtection } from './seededProtection.js';

/**
 * Credential protection (Part 1, 24; Part 3, 12.5 MakeCredential and 12.6 ActivateCredential):
 * a seed is sealed to the protector (usually the EK) with the label "IDENTITY", and the
 * credential, as a TPM2B_DIGEST, gets the protector's outer wrapper keyed by that seed and bound
 * to the Name of the object it certifies:
 *   credentialBlob = TPM2B_DIGEST(integrityHMAC) || AES-CFB(KDFa(seed, "STORAGE", name), TPM2B_DIGEST(credential)).
 * Pure functions: the TPM's commands and a verifier's software MakeCredential share them.
 */

export const IDENTITY_LABEL = 'IDENTITY';

/** MakeCredential's result: the TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET contents. */
export interface Credential {
  readonly credentialBlob: Buffer;
  readonly secret: Buffer;
}

/** A protector is an asymmetric, restricted decryption key (it has the symmetric algorithm); else TPM_RC_TYPE. */
export function checkCredentialProtector(pub: TpmtPublic): void {
  const asymmetric = pub.type === TPM_ALG.RSA || pub.type === TPM_ALG.ECC;
  const restrictedDecrypt = (pub.objectAttributes & TPMA_OBJECT.restricted) !== 0 && (pub.objectAttributes & TPMA_OBJECT.decrypt) !== 0;
  if (!asymmetric || !restrictedDecrypt) fail(TPM_RC.TYPE, 'the protector must be an asymmetric restricted decryption key');
}

/** The credential may not exceed the protector's nameAlg digest (TPM_RC_SIZE). */
export function checkCredentialSize(pub: TpmtPublic, credential: Buffer): void {
  if (credential.length > digestSize(pub.nameAlg)) fail(TPM_RC.SIZE, 'credential longer than the protector nameAlg digest');
}

/** The reference's SecretToCredential. */
export function credentialToBlob(protector: TpmtPublic, seed: Buffer, credential: Buffer, objectName: Buffer): Buffer {
  return produceOuterWrap(seededProtection(protector, seed), objectName, marshal(TPM2B_DIGEST, credential));
}

/**
 * The reference's CredentialToSecret: TPM_RC_INTEGRITY when the blob was tampered with or made
 * for another Name or seed; the unmarshal code (SIZE / INSUFFICIENT) when it does not parse.
 */
export function credentialFromBlob(protector: TpmtPublic, seed: Buffer, objectName: Buffer, credentialBlob: Buffer): Buffer {
  const r = new Reader(unwrapOuter(seededProtection(protector, seed), objectName, credentialBlob));
  const credential = TPM2B_DIGEST.read(r);
  if (r.remaining !== 0) fail(TPM_RC.SIZE, 'bytes after the credential');
  return credential;
}

/**
 * MakeCredential as the TPM computes it, usable without a TPM (e.g. by a verifier holding only
 * the EK public area): a fresh seed sealed to `protector`, and the wrapped credential.
 */
export function makeCredential(protector: TpmtPublic, credential: Buffer, objectName: Buffer, random: (n: number) => Buffer = randomBytes): Credential {
  checkCredentialProtector(protector);
  checkCredentialSize(protector, credential);
  const { seed, encrypted } = secretEncrypt(protector, IDENTITY_LABEL, random);
  return { credentialBlob: credentialToBlob(protector, seed, credential, objectName), secret: encrypted };
}
