import { list, none, struct, u16, u32, yesNo } from '../codec/codec.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPM2B_MAX_BUFFER, TPM_SU_CODEC } from '../structures/basic.js';

const TPML_ALG = list('TPML_ALG', u16, 64);

export const Startup = defineCommand({ name: 'Startup', params: struct('Startup', { startupType: TPM_SU_CODEC }), response: none });
export const Shutdown = defineCommand({ name: 'Shutdown', params: struct('Shutdown', { shutdownType: TPM_SU_CODEC }), response: none });
export const SelfTest = defineCommand({ name: 'SelfTest', params: struct('SelfTest', { fullTest: yesNo }), response: none });
export const IncrementalSelfTest = defineCommand({
  name: 'IncrementalSelfTest',
  params: struct('IncrementalSelfTest', { toTest: TPML_ALG }),
  response: struct('IncrementalSelfTest.response', { toDoList: TPML_ALG }),
});
export const GetTestResult = defineCommand({
  name: 'GetTestResult',
  params: none,
  response: struct('GetTestResult.response', { outData: TPM2B_MAX_BUFFER, testResult: u32 }),
});
