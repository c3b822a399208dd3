import { struct } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_DH_OBJECT, TPMI_DH_OBJECT_NULL } from '../pipeline/handleTypes.js';
import { TPM2B_DATA, TPM2B_NAME } from '../structures/basic.js';
import { TPM2B_PUBLIC } from '../structures/public.js';
import { TPM2B_PRIVATE } from '../structures/sensitive.js';
import { TPMT_SYM_DEF_OBJECT } from '../structures/symmetric.js';
import { TPM2B_ENCRYPTED_SECRET } from './session.js';

/** Part 3, 13.1: the object in the DUP role (policy only); TPM_RH_NULL as new parent means no outer wrapper. */
export const Duplicate = defineCommand({
  name: 'Duplicate',
  handles: [
    { name: 'objectHandle', type: TPMI_DH_OBJECT, auth: 'DUP' },
    { name: 'newParentHandle', type: TPMI_DH_OBJECT_NULL },
  ],
  params: struct('Duplicate', { encryptionKeyIn: TPM2B_DATA, symmetricAlg: TPMT_SYM_DEF_OBJECT }),
  response: struct('Duplicate.response', { encryptionKeyOut: TPM2B_DATA, duplicate: TPM2B_PRIVATE, outSymSeed: TPM2B_ENCRYPTED_SECRET }),
});

/** Part 3, 13.2: moves a duplication blob's outer wrapper from one parent to another. */
export const Rewrap = defineCommand({
  name: 'Rewrap',
  handles: [
    { name: 'oldParent', type: TPMI_DH_OBJECT_NULL, auth: 'USER' },
    { name: 'newParent', type: TPMI_DH_OBJECT_NULL },
  ],
  params: struct('Rewrap', { inDuplicate: TPM2B_PRIVATE, name: TPM2B_NAME, inSymSeed: TPM2B_ENCRYPTED_SECRET }),
  response: struct('Rewrap.response', { outDuplicate: TPM2B_PRIVATE, outSymSeed: TPM2B_ENCRYPTED_SECRET }),
});

/** Part 3, 13.3: a duplication blob becomes a TPM2B_PRIVATE under parentHandle. */
export const Import = defineCommand({
  name: 'Import',
  handles: [{ name: 'parentHandle', type: TPMI_DH_OBJECT, auth: 'USER' }],
  params: struct('Import', {
    encryptionKey: TPM2B_DATA,
    objectPublic: TPM2B_PUBLIC,
    duplicate: TPM2B_PRIVATE,
    inSymSeed: TPM2B_ENCRYPTED_SECRET,
    symmetricAlg: TPMT_SYM_DEF_OBJECT,
  }),
  response: struct('Import.response', { outPrivate: TPM2B_PRIVATE }),
});
