/** TPM_HT handle types, the most significant octet of a handle (Part 2, 7.2). */
export const TPM_HT = {
  PCR: 0x00,
  NV_INDEX: 0x01,
  HMAC_SESSION: 0x02,
  POLICY_SESSION: 0x03,
  PERMANENT: 0x40,
  TRANSIENT: 0x80,
  PERSISTENT: 0x81,
  AC: 0x90,
} as const;

/** TPM_RH permanent handles (Part 2, 7.4). */
export const TPM_RH = {
  SRK: 0x40000000,
  OWNER: 0x40000001,
  REVOKE: 0x40000002,
  TRANSPORT: 0x40000003,
  OPERATOR: 0x40000004,
  ADMIN: 0x40000005,
  EK: 0x40000006,
  NULL: 0x40000007,
  UNASSIGNED: 0x40000008,
  PW: 0x40000009,
  LOCKOUT: 0x4000000a,
  ENDORSEMENT: 0x4000000b,
  PLATFORM: 0x4000000c,
  PLATFORM_NV: 0x4000000d,
  AUTH_00: 0x40000010,
  AUTH_FF: 0x4000010f,
} as const;

/** The password session handle. */
export const TPM_RS_PW = TPM_RH.PW;

/** First handle of each range (Part 2, 7.5; PC Client Platform TPM Profile). */
export const HR = {
  PCR: 0x00000000,
  NV_INDEX: 0x01000000,
  HMAC_SESSION: 0x02000000,
  POLICY_SESSION: 0x03000000,
  PERMANENT: 0x40000000,
  TRANSIENT: 0x80000000,
  PERSISTENT: 0x81000000,
} as const;

export function handleTypeOf(handle: number): number {
  return handle >>> 24;
}
