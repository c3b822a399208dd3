import { none, struct, u32, yesNo } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_DH_PCR, TPMI_DH_PCR_NULL, TPMI_RH_PLATFORM } from '../pipeline/handleTypes.js';
import { TPM2B_EVENT, TPML_DIGEST, TPML_DIGEST_VALUES } from '../structures/basic.js';
import { TPML_PCR_SELECTION } from '../structures/pcrSelection.js';

export const PCR_Read = defineCommand({
  name: 'PCR_Read',
  params: struct('PCR_Read', { pcrSelectionIn: TPML_PCR_SELECTION }),
  response: struct('PCR_Read.response', { pcrUpdateCounter: u32, pcrSelectionOut: TPML_PCR_SELECTION, pcrValues: TPML_DIGEST }),
});
export const PCR_Extend = defineCommand({
  name: 'PCR_Extend',
  handles: [{ name: 'pcrHandle', type: TPMI_DH_PCR_NULL, auth: 'USER' }],
  params: struct('PCR_Extend', { digests: TPML_DIGEST_VALUES }),
  response: none,
});
export const PCR_Event = defineCommand({
  name: 'PCR_Event',
  handles: [{ name: 'pcrHandle', type: TPMI_DH_PCR_NULL, auth: 'USER' }],
  params: struct('PCR_Event', { eventData: TPM2B_EVENT }),
  response: struct('PCR_Event.response', { digests: TPML_DIGEST_VALUES }),
});
export const PCR_Reset = defineCommand({
  name: 'PCR_Reset',
  handles: [{ name: 'pcrHandle', type: TPMI_DH_PCR, auth: 'USER' }],
  params: none,
  response: none,
});
export const PCR_Allocate = defineCommand({
  name: 'PCR_Allocate',
  handles: [{ name: 'authHandle', type: TPMI_RH_PLATFORM, auth: 'USER' }],
  params: struct('PCR_Allocate', { pcrAllocation: TPML_PCR_SELECTION }),
  response: struct('PCR_Allocate.response', { allocationSuccess: yesNo, maxPCR: u32, sizeNeeded: u32, sizeAvailable: u32 }),
});
