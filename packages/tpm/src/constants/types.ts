/** TPM_ST structure tags (Part 2, 6.9). */
export const TPM_ST = {
  RSP_COMMAND: 0x00c4,
  NULL: 0x8000,
  NO_SESSIONS: 0x8001,
  SESSIONS: 0x8002,
  ATTEST_NV: 0x8014,
  ATTEST_COMMAND_AUDIT: 0x8015,
  ATTEST_SESSION_AUDIT: 0x8016,
  ATTEST_CERTIFY: 0x8017,
  ATTEST_QUOTE: 0x8018,
  ATTEST_TIME: 0x8019,
  ATTEST_CREATION: 0x801a,
  ATTEST_NV_DIGEST: 0x801c,
  CREATION: 0x8021,
  VERIFIED: 0x8022,
  AUTH_SECRET: 0x8023,
  HASHCHECK: 0x8024,
  AUTH_SIGNED: 0x8025,
  FU_MANIFEST: 0x8029,
} as const;

/** TPM_SU startup types (Part 2, 6.10). */
export const TPM_SU = { CLEAR: 0x0000, STATE: 0x0001 } as const;

/** TPM_SE session types (Part 2, 6.11). */
export const TPM_SE = { HMAC: 0x00, POLICY: 0x01, TRIAL: 0x03 } as const;

/** TPM_CAP capability groups (Part 2, 6.12). */
export const TPM_CAP = {
  ALGS: 0x0,
  HANDLES: 0x1,
  COMMANDS: 0x2,
  PP_COMMANDS: 0x3,
  AUDIT_COMMANDS: 0x4,
  PCRS: 0x5,
  TPM_PROPERTIES: 0x6,
  PCR_PROPERTIES: 0x7,
  ECC_CURVES: 0x8,
  AUTH_POLICIES: 0x9,
  ACT: 0xa,
  VENDOR_PROPERTY: 0x100,
} as const;

/** The TPMS_ATTEST magic (Part 2, 6.2). */
export const TPM_GENERATED_VALUE = 0xff544347;
