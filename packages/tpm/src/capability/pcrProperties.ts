import { TPM_PT_PCR } from '../constants/properties.js';
import { PCR_ATTRIBUTES, type PcrAttributes } from '../pcr/pcrAttributes.js';
import { pcrBitmap } from '../structures/pcrSelection.js';

/** PCRs of the PC Client profile's policy and authValue group (PCR_SetAuthPolicy / PCR_SetAuthValue): 20-22. */
const GROUP_PCRS = new Set([20, 21, 22]);

const byLocality = (field: 'extendLocality' | 'resetLocality', locality: number) => (a: PcrAttributes) => (a[field] & (1 << locality)) !== 0;

/** Which PCRs have each TPM_PT_PCR property (the reference's PCRGetProperty). */
const PCR_PROPERTIES = new Map<number, (a: PcrAttributes, pcr: number) => boolean>([
  [TPM_PT_PCR.SAVE, (a) => a.stateSave],
  [TPM_PT_PCR.EXTEND_L0, byLocality('extendLocality', 0)],
  [TPM_PT_PCR.RESET_L0, byLocality('resetLocality', 0)],
  [TPM_PT_PCR.EXTEND_L1, byLocality('extendLocality', 1)],
  [TPM_PT_PCR.RESET_L1, byLocality('resetLocality', 1)],
  [TPM_PT_PCR.EXTEND_L2, byLocality('extendLocality', 2)],
  [TPM_PT_PCR.RESET_L2, byLocality('resetLocality', 2)],
  [TPM_PT_PCR.EXTEND_L3, byLocality('extendLocality', 3)],
  [TPM_PT_PCR.RESET_L3, byLocality('resetLocality', 3)],
  [TPM_PT_PCR.EXTEND_L4, byLocality('extendLocality', 4)],
  [TPM_PT_PCR.RESET_L4, byLocality('resetLocality', 4)],
  [TPM_PT_PCR.NO_INCREMENT, (a) => a.noIncrement],
  // DRTM-reset PCRs are those locality 4 may reset.
  [TPM_PT_PCR.DRTM_RESET, byLocality('resetLocality', 4)],
  [TPM_PT_PCR.POLICY, (_a, pcr) => GROUP_PCRS.has(pcr)],
  [TPM_PT_PCR.AUTH, (_a, pcr) => GROUP_PCRS.has(pcr)],
]);

const LAST_PCR_PROPERTY = TPM_PT_PCR.AUTH;

/**
 * GetCapability(PCR_PROPERTIES) paging as the reference's PCRCapGetProperties: it walks the
 * property numbers from `property` to the last, and reports moreData as soon as the list is full
 * and any number remains, defined or not.
 */
export function pcrPropertiesPage(property: number, count: number): { items: { tag: number; pcrSelect: Buffer }[]; more: boolean } {
  const items: { tag: number; pcrSelect: Buffer }[] = [];
  for (let tag = property; tag <= LAST_PCR_PROPERTY; tag++) {
    if (items.length >= count) return { items, more: true };
    const has = PCR_PROPERTIES.get(tag);
    if (has) items.push({ tag, pcrSelect: pcrBitmap(PCR_ATTRIBUTES.flatMap((a, pcr) => (has(a, pcr) ? [pcr] : []))) });
  }
  return { items, more: false };
}
