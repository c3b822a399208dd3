import { struct, u32, u64, yesNo } from '../codec/codec.js';

/** TPMS_CLOCK_INFO (Part 2, 10.11.1). */
export const TPMS_CLOCK_INFO = struct('TPMS_CLOCK_INFO', { clock: u64, resetCount: u32, restartCount: u32, safe: yesNo });
export type ClockInfo = { clock: bigint; resetCount: number; restartCount: number; safe: boolean };

/** TPMS_TIME_INFO (Part 2, 10.11.6). */
export const TPMS_TIME_INFO = struct('TPMS_TIME_INFO', { time: u64, clockInfo: TPMS_CLOCK_INFO });
