import { TPM_RC } from '../constants/rc.js';
import { secretDecrypt } from '../crypto/asymmetricSecret.js';
import { TpmError } from '../errors.js';
import { IDENTITY_LABEL, checkCredentialProtector, checkCredentialSize, credentialFromBlob, makeCredential } from '../objects/credential.js';
import { implement } from '../pipeline/handler.js';
import { ActivateCredential, MakeCredential } from '../spec/credential.js';
import { keyAt } from './object.js';
import { blaming, onHandle, onParameter } from './numberedErrors.js';

/** Part 3, 12.5: the TPM as a software MakeCredential over a loaded public key. */
export const makeCredentialCommand = implement(MakeCredential, (tpm, { handles, params }) => {
  const protector = keyAt(tpm, handles.handle, 1).pub;
  blaming(() => checkCredentialProtector(protector), onHandle(1));
  blaming(() => checkCredentialSize(protector, params.credential), onParameter(1));
  const { credentialBlob, secret } = makeCredential(protector, params.credential, params.objectName, (n) => tpm.random.bytes(n));
  return { credentialBlob, secret };
});

/**
 * Part 3, 12.6: the seed is recovered with the protector's private key ("IDENTITY"), then the
 * credential, which opens only for the Name of the object at activateHandle.
 */
export const activateCredential = implement(ActivateCredential, (tpm, { handles, params }) => {
  const activatedName = tpm.nameOf(handles.activateHandle);
  const protector = keyAt(tpm, handles.keyHandle, 2);
  blaming(() => checkCredentialProtector(protector.pub), onHandle(2));
  const seed = blaming(
    () => secretDecrypt(protector.pub, protector.sensitive.sensitive, IDENTITY_LABEL, params.secret),
    (e) => (e.rc === TPM_RC.KEY ? new TpmError(TPM_RC.FAILURE, e.message) : e.forParameter(2)),
  );
  const certInfo = blaming(() => credentialFromBlob(protector.pub, seed, activatedName, params.credentialBlob), onParameter(1));
  return { certInfo };
});
