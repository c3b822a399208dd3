import { struct } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_DH_OBJECT } from '../pipeline/handleTypes.js';
import { TPM2B_DIGEST, TPM2B_NAME } from '../structures/basic.js';
import { TPM2B_ID_OBJECT } from '../structures/sensitive.js';
import { TPM2B_ENCRYPTED_SECRET } from './session.js';

/** Part 3, 12.5: needs only the protector's public area, so no authorization. */
export const MakeCredential = defineCommand({
  name: 'MakeCredential',
  handles: [{ name: 'handle', type: TPMI_DH_OBJECT }],
  params: struct('MakeCredential', { credential: TPM2B_DIGEST, objectName: TPM2B_NAME }),
  response: struct('MakeCredential.response', { credentialBlob: TPM2B_ID_OBJECT, secret: TPM2B_ENCRYPTED_SECRET }),
});

/** Part 3, 12.6: the certified object in the ADMIN role, the protector (EK) in the USER role. */
export const ActivateCredential = defineCommand({
  name: 'ActivateCredential',
  handles: [
    { name: 'activateHandle', type: TPMI_DH_OBJECT, auth: 'ADMIN' },
    { name: 'keyHandle', type: TPMI_DH_OBJECT, auth: 'USER' },
  ],
  params: struct('ActivateCredential', { credentialBlob: TPM2B_ID_OBJECT, secret: TPM2B_ENCRYPTED_SECRET }),
  response: struct('ActivateCredential.response', { certInfo: TPM2B_DIGEST }),
});
