/**
 * The PCRs the DRTM signals touch, per the PC Client Platform TPM Profile (the same table as
 * @vtpm/tpm's PCR attributes): PCR 17 receives the DRTM measurement, PCR 0 an H-CRTM one, and
 * PCRs 17-22 (resettable from locality 4) start a DRTM sequence at zero.
 */
export const PCR_DRTM = 17;
export const PCR_HCRTM = 0;

const FIRST_DRTM_RESETTABLE = 17;
const LAST_DRTM_RESETTABLE = 22;

export function isDrtmResettable(pcr: number): boolean {
  return pcr >= FIRST_DRTM_RESETTABLE && pcr <= LAST_DRTM_RESETTABLE;
}
