/**
 * The Microsoft TPM 2.0 simulator's TCP protocol (TCG reference simulator, TpmTcpProtocol.h and
 * TcpServer.c; ibmswtpm2 speaks the same). Big-endian u32 codes. The command port carries TPM
 * commands and the DRTM hash signals; the platform port (command port + 1) carries power and
 * platform signals, each answered by a u32 0.
 */
export const MSSIM = {
  SIGNAL_POWER_ON: 1,
  SIGNAL_POWER_OFF: 2,
  SIGNAL_PHYS_PRES_ON: 3,
  SIGNAL_PHYS_PRES_OFF: 4,
  SIGNAL_HASH_START: 5,
  /** {u32 size, bytes} */
  SIGNAL_HASH_DATA: 6,
  SIGNAL_HASH_END: 7,
  /** {u8 locality, u32 size, command} -> {u32 size, response}, then the u32 0 acknowledgement. */
  SEND_COMMAND: 8,
  SIGNAL_CANCEL_ON: 9,
  SIGNAL_CANCEL_OFF: 10,
  SIGNAL_NV_ON: 11,
  SIGNAL_NV_OFF: 12,
  SIGNAL_KEY_CACHE_ON: 13,
  SIGNAL_KEY_CACHE_OFF: 14,
  /** {u32 clientVersion} -> {u32 serverVersion, u32 endpoint info} */
  REMOTE_HANDSHAKE: 15,
  /** {u32 result}: not applicable to a simulator, read and ignored. */
  SET_ALTERNATIVE_RESULT: 16,
  /** _TPM_Init without a power cycle. */
  SIGNAL_RESET: 17,
  /** Clock restart (the reference's _plat__TimerRestart), not a TPM Restart. */
  SIGNAL_RESTART: 18,
  SESSION_END: 20,
  STOP: 21,
  /** -> {u32 16, largestCommandSize, largestCommand, largestResponseSize, largestResponse} */
  GET_COMMAND_RESPONSE_SIZES: 25,
  /** {u32 act handle} -> {u32 signaled} */
  ACT_GET_SIGNALED: 26,
  TEST_FAILURE_MODE: 30,
} as const;

/** TpmEndPointInfo bits of the REMOTE_HANDSHAKE answer. */
export const MSSIM_ENDPOINT = { PLATFORM_AVAILABLE: 0x01, USES_TBS: 0x02, IN_RAW_MODE: 0x04, SUPPORTS_PP: 0x08 } as const;

/** The reference simulator's ServerVersion. */
export const MSSIM_SERVER_VERSION = 1;

/** What the reference simulator answers to REMOTE_HANDSHAKE: tpmInRawMode | tpmPlatformAvailable | tpmSupportsPP. */
export const MSSIM_ENDPOINT_INFO = MSSIM_ENDPOINT.IN_RAW_MODE | MSSIM_ENDPOINT.PLATFORM_AVAILABLE | MSSIM_ENDPOINT.SUPPORTS_PP;

/** The reference simulator's input buffer (MAX_BUFFER): a longer size field ends the connection. */
export const MSSIM_MAX_BUFFER = 1024 * 1024;

/** Size of the TPM_SEND_COMMAND prefix: u32 code, u8 locality, u32 size. */
export const SEND_COMMAND_PREFIX_SIZE = 9;

/** Size of the answer to a platform signal, and of the acknowledgement after each command-port reply. */
export const MSSIM_ACK_SIZE = 4;

export function u32(value: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(value >>> 0);
  return b;
}

/** `u32 8 | u8 locality | u32 size | command`: one TPM_SEND_COMMAND frame. */
export function sendCommandFrame(command: Buffer, locality = 0): Buffer {
  const frame = Buffer.allocUnsafe(SEND_COMMAND_PREFIX_SIZE + command.length);
  frame.writeUInt32BE(MSSIM.SEND_COMMAND, 0);
  frame.writeUInt8(locality & 0xff, 4);
  frame.writeUInt32BE(command.length, 5);
  command.copy(frame, SEND_COMMAND_PREFIX_SIZE);
  return frame;
}

/** `u32 size | response | u32 0`: the answer to TPM_SEND_COMMAND. */
export function sendCommandReply(response: Buffer): Buffer {
  const frame = Buffer.alloc(4 + response.length + MSSIM_ACK_SIZE);
  frame.writeUInt32BE(response.length, 0);
  response.copy(frame, 4);
  return frame;
}
