import { none, struct } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_DH_OBJECT, TPMI_DH_PCR_NULL, TPMI_RH_HIERARCHY_NULL } from '../pipeline/handleTypes.js';
import { TPM2B_AUTH, TPM2B_DIGEST, TPM2B_MAX_BUFFER, TPMI_ALG_HASH, TPMI_ALG_HASH_NULL, TPML_DIGEST_VALUES } from '../structures/basic.js';
import { TPMT_TK_HASHCHECK } from '../structures/tickets.js';

export const Hash = defineCommand({
  name: 'Hash',
  params: struct('Hash', { data: TPM2B_MAX_BUFFER, hashAlg: TPMI_ALG_HASH, hierarchy: TPMI_RH_HIERARCHY_NULL }),
  response: struct('Hash.response', { outHash: TPM2B_DIGEST, validation: TPMT_TK_HASHCHECK }),
});
export const HashSequenceStart = defineCommand({
  name: 'HashSequenceStart',
  params: struct('HashSequenceStart', { auth: TPM2B_AUTH, hashAlg: TPMI_ALG_HASH_NULL }),
  responseHandle: 'sequenceHandle',
  response: none,
});
export const SequenceUpdate = defineCommand({
  name: 'SequenceUpdate',
  handles: [{ name: 'sequenceHandle', type: TPMI_DH_OBJECT, auth: 'USER' }],
  params: struct('SequenceUpdate', { buffer: TPM2B_MAX_BUFFER }),
  response: none,
});
export const SequenceComplete = defineCommand({
  name: 'SequenceComplete',
  handles: [{ name: 'sequenceHandle', type: TPMI_DH_OBJECT, auth: 'USER' }],
  params: struct('SequenceComplete', { buffer: TPM2B_MAX_BUFFER, hierarchy: TPMI_RH_HIERARCHY_NULL }),
  response: struct('SequenceComplete.response', { result: TPM2B_DIGEST, validation: TPMT_TK_HASHCHECK }),
});
export const EventSequenceComplete = defineCommand({
  name: 'EventSequenceComplete',
  handles: [
    { name: 'pcrHandle', type: TPMI_DH_PCR_NULL, auth: 'USER' },
    { name: 'sequenceHandle', type: TPMI_DH_OBJECT, auth: 'USER' },
  ],
  params: struct('EventSequenceComplete', { buffer: TPM2B_MAX_BUFFER }),
  response: struct('EventSequenceComplete.response', { results: TPML_DIGEST_VALUES }),
});
