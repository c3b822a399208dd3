/** Attribute bit fields (Part 2, 8). Each table also names the reserved bits that must be clear. */

export const TPMA_OBJECT = {
  fixedTPM: 1 << 1,
  stClear: 1 << 2,
  fixedParent: 1 << 4,
  sensitiveDataOrigin: 1 << 5,
  userWithAuth: 1 << 6,
  adminWithPolicy: 1 << 7,
  noDA: 1 << 10,
  encryptedDuplication: 1 << 11,
  restricted: 1 << 16,
  decrypt: 1 << 17,
  sign: 1 << 18,
  x509sign: 1 << 19,
} as const;
export const TPMA_OBJECT_RESERVED = 0xfff0f309;

export const TPMA_SESSION = {
  continueSession: 0x01,
  auditExclusive: 0x02,
  auditReset: 0x04,
  decrypt: 0x20,
  encrypt: 0x40,
  audit: 0x80,
} as const;
export const TPMA_SESSION_RESERVED = 0x18;

export const TPMA_LOCALITY = {
  zero: 0x01,
  one: 0x02,
  two: 0x04,
  three: 0x08,
  four: 0x10,
} as const;

export const TPMA_NV = {
  PPWRITE: 1 << 0,
  OWNERWRITE: 1 << 1,
  AUTHWRITE: 1 << 2,
  POLICYWRITE: 1 << 3,
  POLICY_DELETE: 1 << 10,
  WRITELOCKED: 1 << 11,
  WRITEALL: 1 << 12,
  WRITEDEFINE: 1 << 13,
  WRITE_STCLEAR: 1 << 14,
  GLOBALLOCK: 1 << 15,
  PPREAD: 1 << 16,
  OWNERREAD: 1 << 17,
  AUTHREAD: 1 << 18,
  POLICYREAD: 1 << 19,
  NO_DA: 1 << 25,
  ORDERLY: 1 << 26,
  CLEAR_STCLEAR: 1 << 27,
  READLOCKED: 1 << 28,
  WRITTEN: 1 << 29,
  PLATFORMCREATE: 1 << 30,
  READ_STCLEAR: 2 ** 31,
} as const;
/** TPM_NT lives in bits 4..7 of TPMA_NV. */
export const TPMA_NV_TPM_NT_SHIFT = 4;
export const TPMA_NV_RESERVED = 0x01f00300;
export const TPM_NT = { ORDINARY: 0x0, COUNTER: 0x1, BITS: 0x2, EXTEND: 0x4, PIN_FAIL: 0x8, PIN_PASS: 0x9 } as const;

export const TPMA_PERMANENT = {
  ownerAuthSet: 1 << 0,
  endorsementAuthSet: 1 << 1,
  lockoutAuthSet: 1 << 2,
  disableClear: 1 << 8,
  inLockout: 1 << 9,
  tpmGeneratedEPS: 1 << 10,
} as const;

export const TPMA_STARTUP_CLEAR = {
  phEnable: 1 << 0,
  shEnable: 1 << 1,
  ehEnable: 1 << 2,
  phEnableNV: 1 << 3,
  orderly: 2 ** 31,
} as const;

/** TPMA_CC (Part 2, 8.9): command index in bits 0..15, flags above. */
export const TPMA_CC = {
  nv: 1 << 22,
  extensive: 1 << 23,
  flushed: 1 << 24,
  cHandlesShift: 25,
  rHandle: 1 << 28,
  V: 1 << 29,
} as const;

export const TPMA_MODES = { FIPS_140_2: 1 << 0 } as const;
