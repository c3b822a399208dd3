import { sized, struct } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_DH_OBJECT, TPMI_DH_PARENT_NULL, TPMI_RH_HIERARCHY_NULL } from '../pipeline/handleTypes.js';
import { TPM2B_AUTH, TPM2B_DATA, TPM2B_DIGEST, TPM2B_NAME, TPM2B_SENSITIVE_DATA } from '../structures/basic.js';
import { TPM2B_CREATION_DATA } from '../structures/creation.js';
import { TPML_PCR_SELECTION } from '../structures/pcrSelection.js';
import { TPM2B_PUBLIC, TPM2B_TEMPLATE } from '../structures/public.js';
import { TPM2B_PRIVATE, TPM2B_SENSITIVE_CREATE, TPMT_SENSITIVE } from '../structures/sensitive.js';
import { TPMT_TK_CREATION } from '../structures/tickets.js';

const creationIn = { inSensitive: TPM2B_SENSITIVE_CREATE, inPublic: TPM2B_PUBLIC, outsideInfo: TPM2B_DATA, creationPCR: TPML_PCR_SELECTION };
const creationOut = { outPublic: TPM2B_PUBLIC, creationData: TPM2B_CREATION_DATA, creationHash: TPM2B_DIGEST, creationTicket: TPMT_TK_CREATION };

export const CreatePrimary = defineCommand({
  name: 'CreatePrimary',
  handles: [{ name: 'primaryHandle', type: TPMI_RH_HIERARCHY_NULL, auth: 'USER' }],
  params: struct('CreatePrimary', creationIn),
  responseHandle: 'objectHandle',
  response: struct('CreatePrimary.response', { ...creationOut, name: TPM2B_NAME }),
});

export const Create = defineCommand({
  name: 'Create',
  handles: [{ name: 'parentHandle', type: TPMI_DH_OBJECT, auth: 'USER' }],
  params: struct('Create', creationIn),
  response: struct('Create.response', { outPrivate: TPM2B_PRIVATE, ...creationOut }),
});

export const Load = defineCommand({
  name: 'Load',
  handles: [{ name: 'parentHandle', type: TPMI_DH_OBJECT, auth: 'USER' }],
  params: struct('Load', { inPrivate: TPM2B_PRIVATE, inPublic: TPM2B_PUBLIC }),
  responseHandle: 'objectHandle',
  response: struct('Load.response', { name: TPM2B_NAME }),
});

export const CreateLoaded = defineCommand({
  name: 'CreateLoaded',
  handles: [{ name: 'parentHandle', type: TPMI_DH_PARENT_NULL, auth: 'USER' }],
  params: struct('CreateLoaded', { inSensitive: TPM2B_SENSITIVE_CREATE, inPublic: TPM2B_TEMPLATE }),
  responseHandle: 'objectHandle',
  response: struct('CreateLoaded.response', { outPrivate: TPM2B_PRIVATE, outPublic: TPM2B_PUBLIC, name: TPM2B_NAME }),
});

/** TPM2B_SENSITIVE for LoadExternal: may be empty (public part only). */
export const TPM2B_SENSITIVE_OPTIONAL = sized('TPM2B_SENSITIVE', TPMT_SENSITIVE, { allowEmpty: true });

export const LoadExternal = defineCommand({
  name: 'LoadExternal',
  params: struct('LoadExternal', { inPrivate: TPM2B_SENSITIVE_OPTIONAL, inPublic: TPM2B_PUBLIC, hierarchy: TPMI_RH_HIERARCHY_NULL }),
  responseHandle: 'objectHandle',
  response: struct('LoadExternal.response', { name: TPM2B_NAME }),
});

export const ReadPublic = defineCommand({
  name: 'ReadPublic',
  handles: [{ name: 'objectHandle', type: TPMI_DH_OBJECT }],
  params: struct('ReadPublic', {}),
  response: struct('ReadPublic.response', { outPublic: TPM2B_PUBLIC, name: TPM2B_NAME, qualifiedName: TPM2B_NAME }),
});

export const Unseal = defineCommand({
  name: 'Unseal',
  handles: [{ name: 'itemHandle', type: TPMI_DH_OBJECT, auth: 'USER' }],
  params: struct('Unseal', {}),
  response: struct('Unseal.response', { outData: TPM2B_SENSITIVE_DATA }),
});

export const ObjectChangeAuth = defineCommand({
  name: 'ObjectChangeAuth',
  handles: [
    { name: 'objectHandle', type: TPMI_DH_OBJECT, auth: 'ADMIN' },
    { name: 'parentHandle', type: TPMI_DH_OBJECT },
  ],
  params: struct('ObjectChangeAuth', { newAuth: TPM2B_AUTH }),
  response: struct('ObjectChangeAuth.response', { outPrivate: TPM2B_PRIVATE }),
});
