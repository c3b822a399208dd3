import { struct, u32, u8 } from '../codec/codec.js';
import { TPM2B_AUTH, TPM2B_NONCE } from './basic.js';

/** TPMS_AUTH_COMMAND (Part 2, 10.13.2). The session handle is validated by the pipeline. */
export const TPMS_AUTH_COMMAND = struct('TPMS_AUTH_COMMAND', {
  sessionHandle: u32,
  nonce: TPM2B_NONCE,
  sessionAttributes: u8,
  hmac: TPM2B_AUTH,
});
export type AuthCommand = { sessionHandle: number; nonce: Buffer; sessionAttributes: number; hmac: Buffer };

/** TPMS_AUTH_RESPONSE (Part 2, 10.13.3). */
export const TPMS_AUTH_RESPONSE = struct('TPMS_AUTH_RESPONSE', {
  nonce: TPM2B_NONCE,
  sessionAttributes: u8,
  hmac: TPM2B_AUTH,
});
export type AuthResponse = { nonce: Buffer; sessionAttributes: number; hmac: Buffer };
