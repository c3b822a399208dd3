import { none, struct, tpm2b, u64 } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_DH_CONTEXT, TPMI_DH_OBJECT, TPMI_DH_PERSISTENT, TPMI_DH_SAVED, TPMI_RH_HIERARCHY_NULL, TPMI_RH_PROVISION } from '../pipeline/handleTypes.js';
import { LIMITS } from '../structures/basic.js';

/** TPM2B_CONTEXT_DATA (Part 2, 14.3): integrity || encrypted context, at most MAX_CONTEXT_SIZE. */
export const TPM2B_CONTEXT_DATA = tpm2b('TPM2B_CONTEXT_DATA', LIMITS.MAX_CONTEXT_SIZE);

/** TPMS_CONTEXT (Part 2, 14.5). */
export const TPMS_CONTEXT = struct('TPMS_CONTEXT', {
  sequence: u64,
  savedHandle: TPMI_DH_SAVED,
  hierarchy: TPMI_RH_HIERARCHY_NULL,
  contextBlob: TPM2B_CONTEXT_DATA,
});
export type TpmsContext = { sequence: bigint; savedHandle: number; hierarchy: number; contextBlob: Buffer };

export const ContextSave = defineCommand({
  name: 'ContextSave',
  handles: [{ name: 'saveHandle', type: TPMI_DH_CONTEXT }],
  params: none,
  response: struct('ContextSave.response', { context: TPMS_CONTEXT }),
});

export const ContextLoad = defineCommand({
  name: 'ContextLoad',
  params: struct('ContextLoad', { context: TPMS_CONTEXT }),
  responseHandle: 'loadedHandle',
  response: none,
});

export const EvictControl = defineCommand({
  name: 'EvictControl',
  handles: [
    { name: 'auth', type: TPMI_RH_PROVISION, auth: 'USER' },
    { name: 'objectHandle', type: TPMI_DH_OBJECT },
  ],
  params: struct('EvictControl', { persistentHandle: TPMI_DH_PERSISTENT }),
  response: none,
});
