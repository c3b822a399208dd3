import { TPM_CAP } from '../constants/types.js';
import { TPM_RC } from '../constants/rc.js';
import { list, restricted, selectedBy, struct, u16, u32, u8SizedBytes, union, type Codec } from '../codec/codec.js';
import { TPML_PCR_SELECTION } from './pcrSelection.js';
import { LIMITS, TPMT_HA_NULL } from './basic.js';

// Sizes from MAX_CAP_BUFFER = 1024 (Part 2, 10.9 / 10.10): the number of entries that fit.
const MAX_CAP_DATA = LIMITS.MAX_CAP_BUFFER - 4 - 4;
export const MAX_CAP_ALGS = Math.floor(MAX_CAP_DATA / 6);
export const MAX_CAP_HANDLES = Math.floor(MAX_CAP_DATA / 4);
export const MAX_CAP_CC = Math.floor(MAX_CAP_DATA / 4);
export const MAX_TPM_PROPERTIES = Math.floor(MAX_CAP_DATA / 8);
export const MAX_PCR_PROPERTIES = Math.floor(MAX_CAP_DATA / 5);
export const MAX_ECC_CURVES = Math.floor(MAX_CAP_DATA / 2);
export const MAX_TAGGED_POLICIES = Math.floor(MAX_CAP_DATA / (4 + 2 + 64));

export const TPM_CAP_CODEC = restricted('TPM_CAP', u32, [...Object.values(TPM_CAP)], TPM_RC.VALUE);

export const TPMS_ALG_PROPERTY = struct('TPMS_ALG_PROPERTY', { alg: u16, algProperties: u32 });
export const TPMS_TAGGED_PROPERTY = struct('TPMS_TAGGED_PROPERTY', { property: u32, value: u32 });
export const TPMS_TAGGED_PCR_SELECT = struct('TPMS_TAGGED_PCR_SELECT', { tag: u32, pcrSelect: u8SizedBytes('TPMS_TAGGED_PCR_SELECT.pcrSelect', 0, 255) });
export const TPMS_TAGGED_POLICY = struct('TPMS_TAGGED_POLICY', { handle: u32, policyHash: TPMT_HA_NULL });

export const TPML_ALG_PROPERTY = list('TPML_ALG_PROPERTY', TPMS_ALG_PROPERTY, MAX_CAP_ALGS);
export const TPML_HANDLE = list('TPML_HANDLE', u32, MAX_CAP_HANDLES);
export const TPML_CCA = list('TPML_CCA', u32, MAX_CAP_CC);
export const TPML_CC = list('TPML_CC', u32, MAX_CAP_CC);
export const TPML_TAGGED_TPM_PROPERTY = list('TPML_TAGGED_TPM_PROPERTY', TPMS_TAGGED_PROPERTY, MAX_TPM_PROPERTIES);
export const TPML_TAGGED_PCR_PROPERTY = list('TPML_TAGGED_PCR_PROPERTY', TPMS_TAGGED_PCR_SELECT, MAX_PCR_PROPERTIES);
export const TPML_ECC_CURVE = list('TPML_ECC_CURVE', u16, MAX_ECC_CURVES);
export const TPML_TAGGED_POLICY = list('TPML_TAGGED_POLICY', TPMS_TAGGED_POLICY, MAX_TAGGED_POLICIES);

export type CapabilityData = ReturnType<typeof TPMS_CAPABILITY_DATA.read>;

/** TPMU_CAPABILITIES, selected by TPM_CAP. */
export const TPMU_CAPABILITIES = union<unknown>(
  'TPMU_CAPABILITIES',
  new Map<number, Codec<any>>([
    [TPM_CAP.ALGS, TPML_ALG_PROPERTY],
    [TPM_CAP.HANDLES, TPML_HANDLE],
    [TPM_CAP.COMMANDS, TPML_CCA],
    [TPM_CAP.PP_COMMANDS, TPML_CC],
    [TPM_CAP.AUDIT_COMMANDS, TPML_CC],
    [TPM_CAP.PCRS, TPML_PCR_SELECTION],
    [TPM_CAP.TPM_PROPERTIES, TPML_TAGGED_TPM_PROPERTY],
    [TPM_CAP.PCR_PROPERTIES, TPML_TAGGED_PCR_PROPERTY],
    [TPM_CAP.ECC_CURVES, TPML_ECC_CURVE],
    [TPM_CAP.AUTH_POLICIES, TPML_TAGGED_POLICY],
  ]),
);

export const TPMS_CAPABILITY_DATA = struct('TPMS_CAPABILITY_DATA', {
  capability: u32,
  data: selectedBy('capability', TPMU_CAPABILITIES),
});

