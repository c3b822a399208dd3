import { none, struct, u16 } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPM2B_DIGEST, TPM2B_SENSITIVE_DATA } from '../structures/basic.js';

export const GetRandom = defineCommand({
  name: 'GetRandom',
  params: struct('GetRandom', { bytesRequested: u16 }),
  response: struct('GetRandom.response', { randomBytes: TPM2B_DIGEST }),
});
export const StirRandom = defineCommand({ name: 'StirRandom', params: struct('StirRandom', { inData: TPM2B_SENSITIVE_DATA }), response: none });
