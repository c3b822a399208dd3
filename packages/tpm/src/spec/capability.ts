import { struct, u32, yesNo, none } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPM_CAP_CODEC, TPMS_CAPABILITY_DATA } from '../structures/capability.js';
import { TPMT_PUBLIC_PARMS } from '../structures/publicParms.js';

export const GetCapability = defineCommand({
  name: 'GetCapability',
  params: struct('GetCapability', { capability: TPM_CAP_CODEC, property: u32, propertyCount: u32 }),
  response: struct('GetCapability.response', { moreData: yesNo, capabilityData: TPMS_CAPABILITY_DATA }),
});

export const TestParms = defineCommand({
  name: 'TestParms',
  params: struct('TestParms', { parameters: TPMT_PUBLIC_PARMS }),
  response: none,
});
