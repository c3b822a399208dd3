import { TpmError, makeCredential, type Credential, type TpmtPublic } from '@vtpm/tpm';
import { refuse } from '../refusal.js';

/**
 * Software TPM2_MakeCredential to an EK for an AK Name, with no TPM involved: the TPM package's
 * pure function (RSA-OAEP with label "IDENTITY", or ECDH + KDFe for ECC EKs). Only the TPM holding
 * the EK's private key, with a key of exactly that Name loaded, can recover `secret` through
 * TPM2_ActivateCredential.
 */
export function makeAkCredential(ekPublic: TpmtPublic, akName: Buffer, secret: Buffer): Credential {
  try {
    return makeCredential(ekPublic, secret, akName);
  } catch (e) {
    if (e instanceof TpmError) refuse('ek-attributes', `no credential can be made to this EK: ${e.message}`);
    throw e;
  }
}
