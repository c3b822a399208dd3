import { createHash } from 'node:crypto';

/** TPM 2.0 command bytes the tests send, written out so the wire format is visible. */
export const CMD = {
  startupClear: '8001 0000000c 00000144 0000',
  getRandom8: '8001 0000000c 0000017b 0008',
};

/** Answers the tests expect. */
export const RSP = {
  success: '80010000000a00000000',
  /** TPM_RC_INITIALIZE: Startup needed. */
  initialize: '80010000000a00000100',
  /** TPM_RC_FAILURE: swtpm's answer while the TPM is not running. */
  failure: '80010000000a00000101',
  /** TPM_RC_COMMAND_SIZE. */
  commandSize: '80010000000a00000142',
};

/** PCR_Extend(pcr, sha256 = digest) with an empty password session. */
export function pcrExtendSha256(pcr: number, digest: Buffer): string {
  const body = Buffer.concat([u32(pcr), u32(9), u32(0x40000009), Buffer.from([0, 0, 0, 0, 0]), u32(1), Buffer.from([0x00, 0x0b]), digest]);
  return Buffer.concat([Buffer.from([0x80, 0x02]), u32(10 + body.length), u32(0x182), body]).toString('hex');
}

/** A GetRandom(8) answer: header, TPM2B of 8 bytes. */
export function isGetRandom8Answer(answerHex: string): boolean {
  return answerHex.length === 40 && answerHex.startsWith('800100000014000000000008');
}

export function sha(alg: 'sha1' | 'sha256', ...parts: Buffer[]): Buffer {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest();
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}
