import { PTM_INFO } from '../protocol/swtpmControl.js';

/**
 * What GET_INFO reports (libtpms' TPMLIB_GetInfo JSON, in the same shape swtpm sends it). The
 * TPM_PT values of GetCapability should be the source once they are settled in @vtpm/tpm.
 */
const SPECIFICATION = { family: '2.0', level: 0, revision: 164 };
/** manufacturer "VTPM" (0x5654504d) formatted as libtpms does ("id:%08X"). */
// The same identity GetCapability reports (TPM_PT_MANUFACTURER "IBM", as swtpm), so both channels agree.
const ATTRIBUTES = { manufacturer: 'id:49424D00', version: 'id:00010000', model: 'vtpm' };
const FEATURES = { RSAKeySizes: [1024, 2048, 3072], CamelliaKeySizes: [] as number[] };

/** The JSON object text for the TPMLIB_INFO_* bits in `flags`; unknown bits add nothing ("{}"). */
export function implementationInfo(flags: bigint): string {
  const parts: string[] = [];
  if (flags & BigInt(PTM_INFO.TPMSPECIFICATION)) parts.push(`"TPMSpecification":${JSON.stringify(SPECIFICATION)}`);
  if (flags & BigInt(PTM_INFO.TPMATTRIBUTES)) parts.push(`"TPMAttributes":${JSON.stringify(ATTRIBUTES)}`);
  if (flags & BigInt(PTM_INFO.TPMFEATURES)) parts.push(`"TPMFeatures":${JSON.stringify(FEATURES)}`);
  return `{${parts.join(',')}}`;
}
