import { TPM_ALG } from '../constants/alg.js';
import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { TpmError } from '../errors.js';
import { selectSignScheme } from '../commands/signing.js';
import { TpmKey } from '../objects/tpmKey.js';
import type { SigScheme } from '../structures/signature.js';
import type { Tpm } from '../tpm.js';

/** Who signs an attestation: a signing key and the scheme chosen for it, or nobody (TPM_RH_NULL, NULL scheme). */
export interface AttestationSigner {
  readonly key: TpmKey | null;
  readonly scheme: SigScheme;
}

const NULL_SCHEME: SigScheme = { scheme: TPM_ALG.NULL, details: null };

/**
 * The signer of an attestation command (the reference's IsSigningObject, then CryptSelectSignScheme):
 * TPM_RC_KEY for the signHandle when it is not a signing key (symmetric ciphers never are),
 * TPM_RC_SCHEME for inScheme as TPM2_Sign decides it. With TPM_RH_NULL the scheme is NULL whatever
 * inScheme says, and the attestation is not signed.
 */
export function attestationSigner(tpm: Tpm, signHandle: number, inScheme: SigScheme, handleNumber: number, schemeParameter: number): AttestationSigner {
  if (signHandle === TPM_RH.NULL) return { key: null, scheme: NULL_SCHEME };
  const key = tpm.objectAt(signHandle);
  if (!(key instanceof TpmKey) || !key.has('sign') || key.pub.type === TPM_ALG.SYMCIPHER) {
    throw new TpmError(TPM_RC.KEY, 'not a signing key').forHandle(handleNumber);
  }
  const scheme = selectSignScheme(key, inScheme);
  if (!scheme) throw new TpmError(TPM_RC.SCHEME, 'no scheme, or one that differs from the key default').forParameter(schemeParameter);
  return { key, scheme };
}

/** Anonymous schemes (ECDAA) must not identify the signer: no qualifiedSigner, no certified qualified Name. */
export function isAnonymous(signer: AttestationSigner): boolean {
  return signer.scheme.scheme === TPM_ALG.ECDAA;
}
