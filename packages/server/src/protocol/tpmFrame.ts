/** The TPM command/response header: u16 tag, u32 size (of the whole command), u32 code. */
export const TPM_HEADER_SIZE = 10;

/** Offset of the size field in a TPM command or response header. */
export const TPM_SIZE_OFFSET = 2;

/** TPM_ST_NO_SESSIONS and TPM_ST_SESSIONS: the tags a TPM 2.0 command can start with. */
export const TPM2_COMMAND_TAGS: readonly number[] = [0x8001, 0x8002];

/**
 * Largest frame a server reads into memory (the reference mssim simulator's MAX_BUFFER). Up to this
 * size a command is read and the TPM answers it (TPM_RC_COMMAND_SIZE beyond 4096 bytes), which keeps
 * the stream in step; a larger size field cannot be honoured and ends the connection.
 */
export const MAX_FRAME_SIZE = 1024 * 1024;

/**
 * A frame that has started must complete within this time. Clients write a frame in one go or a
 * few writes in quick succession; a stalled partial frame only ties up the connection.
 */
export const PARTIAL_FRAME_TIMEOUT_MS = 30_000;
