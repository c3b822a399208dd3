import { none, struct, u64, type Codec } from '../codec/codec.js';
import { TPM_RC } from '../constants/rc.js';
import { fail } from '../errors.js';
import { defineCommand } from '../pipeline/commandSpec.js';
import { TPMI_RH_PROVISION } from '../pipeline/handleTypes.js';
import { TPMS_TIME_INFO } from '../structures/time.js';

/** TPM_CLOCK_ADJUST: INT8 in -3..3 (coarse/medium/fine slower, none, faster). */
export const TPM_CLOCK_ADJUST: Codec<number> = {
  name: 'TPM_CLOCK_ADJUST',
  read(r) {
    const v = (r.u8() << 24) >> 24;
    if (v < -3 || v > 3) fail(TPM_RC.VALUE, `TPM_CLOCK_ADJUST ${v}`);
    return v;
  },
  write: (w, v) => void w.u8(v & 0xff),
};

export const ReadClock = defineCommand({ name: 'ReadClock', params: none, response: struct('ReadClock.response', { currentTime: TPMS_TIME_INFO }) });
export const ClockSet = defineCommand({
  name: 'ClockSet',
  handles: [{ name: 'auth', type: TPMI_RH_PROVISION, auth: 'USER' }],
  params: struct('ClockSet', { newTime: u64 }),
  response: none,
});
export const ClockRateAdjust = defineCommand({
  name: 'ClockRateAdjust',
  handles: [{ name: 'auth', type: TPMI_RH_PROVISION, auth: 'USER' }],
  params: struct('ClockRateAdjust', { rateAdjust: TPM_CLOCK_ADJUST }),
  response: none,
});
