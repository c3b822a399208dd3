/**
 * The authorization policies of the TCG EK Credential Profile (2.x, B.6): an EK's authPolicy, so
 * only the endorsement hierarchy's owner can use it.
 *
 *   PolicyA = PolicySecret(TPM_RH_ENDORSEMENT)               (low-range templates)
 *   PolicyC = PolicyAuthorizeNV(policy index I-1..I-4)
 *   PolicyB = PolicyOR(PolicyA, PolicyC)                     (high-range templates)
 *
 * The published digests, one per name algorithm. test/ekTemplates.test.ts recomputes each from
 * its definition (policy index: nameAlg, PolicyA, POLICYWRITE|WRITEALL|PPREAD|OWNERREAD|AUTHREAD|
 * POLICYREAD|NO_DA|WRITTEN, dataSize = digest size + 2).
 */
const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

export const EK_POLICY_A = {
  sha256: hex('837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa'),
  sha384: hex('8bbf2266537c171cb56e403c4dc1d4b64f432611dc386e6f532050c3278c930e143e8bb1133824ccb431053871c6db53'),
  sha512: hex('1e3b76502c8a1425aa0b7b3fc646a1b0fae063b03b5368f9c4cddecaff0891dd682bac1a85d4d832b781ea451915de5fc5bf0dc4a1917cd42fa041e3f998e0ee'),
  sm3_256: hex('c67f7d35f66f3bec13c89fe898921c651b0cb5a38a92690a62a43c0012e4fb8b'),
} as const;

export const EK_POLICY_B = {
  sha256: hex('ca3d0a99a2b93906f7a3342414efcfb3a385d44cd1fd459089d19b5071c0b7a0'),
  sha384: hex('b26e7d28d11a50bc53d882bcf5fd3a1a074148bb35d3b4e4cb1c0ad9bde419cacb47ba09699646150f9fc000f3f80e12'),
  sha512: hex('b8221ca69e8550a4914de3faa6a18c072cc01208073a928d5d66d59ef79e49a429c41a6b269571d57edb25fbdb1838425608b413cd616a5f6db5b6071af99bea'),
  sm3_256: hex('167860a35f2c5c3567f9c927ac56c032f3b3a6462f8d037998e7a10f77fa454a'),
} as const;

export const EK_POLICY_C = {
  sha256: hex('3767e2edd43ff45a3a7e1eaefcef78643dca964632e7aad82c673a30d8633fde'),
  sha384: hex('d6032ce61f2fb3c240eb3cf6a33237ef2b6a16f4293c22b455e261cffd217ad5b4947c2d73e63005eed2dc2b3593d165'),
  sha512: hex('589ee1e146544716e8deafe6db247b01b81e9f9c7dd16b814aa159138749105fba5388dd1dea702f35240c184933121e2c61b8f50d3ef91393a49a38c3f73fc8'),
  sm3_256: hex('2d4e81578c3531d9bd1cdd7d02ba298d5699a3e39fc3551bfeffcf132b49e11d'),
} as const;

/** Policy indices I-1..I-4 (B.6.3): PolicyC authorizes through the policy stored in them. */
export const EK_POLICY_NV_INDEX = { sha256: 0x01c07f01, sha384: 0x01c07f02, sha512: 0x01c07f03, sm3_256: 0x01c07f04 } as const;
