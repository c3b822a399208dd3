/**
 * swtpm's control channel (include/swtpm/tpm_ioctl.h, "Commands used by the non-CUSE TPMs"):
 * big-endian u32 command code and payload -> u32 result (a TPM 1.2 style TPM_RESULT) and payload.
 */
export const CTRL = {
  GET_CAPABILITY: 1,
  INIT: 2,
  SHUTDOWN: 3,
  GET_TPMESTABLISHED: 4,
  SET_LOCALITY: 5,
  HASH_START: 6,
  HASH_DATA: 7,
  HASH_END: 8,
  CANCEL_TPM_CMD: 9,
  STORE_VOLATILE: 10,
  RESET_TPMESTABLISHED: 11,
  GET_STATEBLOB: 12,
  SET_STATEBLOB: 13,
  STOP: 14,
  GET_CONFIG: 15,
  SET_DATAFD: 16,
  SET_BUFFERSIZE: 17,
  GET_INFO: 18,
  /** Added after swtpm 0.7.1 (u32 retries): take the state directory's lock back after a failed migration. */
  LOCK_STORAGE: 19,
} as const;

/** The result codes swtpm's control channel answers with (libtpms tpm_error.h). */
export const PTM_RES = {
  SUCCESS: 0x00,
  BAD_PARAMETER: 0x03,
  FAIL: 0x09,
  /** A state blob is sealed with a key that is not configured. */
  KEYNOTFOUND: 0x0d,
  /** Unknown command, or a command that needs the TPM running (or stopped) when it is not. */
  BAD_ORDINAL: 0x0a,
  IOERROR: 0x1f,
  /** A state blob does not open with the configured key (wrong key, or forged). */
  DECRYPT_ERROR: 0x21,
  /** A state blob of a format version this vtpm does not read. */
  BAD_VERSION: 0x2e,
  BAD_LOCALITY: 0x3d,
  /** GET_STATEBLOB of a blob that does not exist. */
  RETRY: 0x800,
} as const;

/** PTM_CAP_* bits of the GET_CAPABILITY answer (a bare u64, no result code). */
export const PTM_CAP = {
  INIT: 1 << 0,
  SHUTDOWN: 1 << 1,
  GET_TPMESTABLISHED: 1 << 2,
  SET_LOCALITY: 1 << 3,
  HASHING: 1 << 4,
  CANCEL_TPM_CMD: 1 << 5,
  STORE_VOLATILE: 1 << 6,
  RESET_TPMESTABLISHED: 1 << 7,
  GET_STATEBLOB: 1 << 8,
  SET_STATEBLOB: 1 << 9,
  STOP: 1 << 10,
  GET_CONFIG: 1 << 11,
  SET_DATAFD: 1 << 12,
  SET_BUFFERSIZE: 1 << 13,
  GET_INFO: 1 << 14,
  /** The data channel accepts the mssim TPM_SEND_COMMAND prefix. */
  SEND_COMMAND_HEADER: 1 << 15,
  /** CMD_LOCK_STORAGE (swtpm after 0.7.1). */
  LOCK_STORAGE: 1 << 16,
} as const;

/** PTM_INIT_FLAG_DELETE_VOLATILE: resume from the stored volatile state, then delete it (QEMU's resume, `swtpm_ioctl -i`). */
export const PTM_INIT_FLAG_DELETE_VOLATILE = 1;

export const PTM_BLOB_TYPE = { PERMANENT: 1, VOLATILE: 2, SAVESTATE: 3 } as const;

/** state_flags: DECRYPTED on GET input (ask for plaintext), ENCRYPTED on SET input and GET output. */
export const PTM_STATE_FLAG = { DECRYPTED: 1, ENCRYPTED: 2 } as const;

/** PTM_CONFIG_FLAG_* of GET_CONFIG: which state encryption keys are configured. */
export const PTM_CONFIG_FLAG = { FILE_KEY: 1, MIGRATION_KEY: 2 } as const;

/** TPMLIB_INFO_* flags of GET_INFO. */
export const PTM_INFO = { TPMSPECIFICATION: 1, TPMATTRIBUTES: 2, TPMFEATURES: 4 } as const;

/** libtpms TPM 2 buffer limits that SET_BUFFERSIZE reports (minimum, maximum = default). */
export const TPM_BUFFER_MIN = 2808;
export const TPM_BUFFER_MAX = 4096;

/** Largest GET_INFO answer chunk (PTM_GETINFO_SIZE). */
export const PTM_GETINFO_SIZE = 3 * 1024;

/**
 * swtpm's control request buffer: u32 command plus the largest request (ptm_hdata: u32 length and
 * 4096 data bytes). What arrives beyond it belongs to the payload of HASH_DATA / SET_STATEBLOB.
 */
export const CTRL_REQUEST_BUFFER = 4 + 4 + 4096;

/** swtpm gives a control command 500 ms to arrive completely, then closes the connection unanswered. */
export const CTRL_RECEIVE_DEADLINE_MS = 500;
