import { TPM_ALG } from '../constants/alg.js';
import { TPM_RH } from '../constants/handles.js';
import { kdfa } from '../crypto/kdf.js';
import type { TpmKey } from '../objects/tpmKey.js';
import type { ClockInfo } from '../structures/time.js';
import type { Tpm } from '../tpm.js';

const U32 = 0xffffffffn;
const U64 = (1n << 64n) - 1n;

/**
 * Privacy of attestations (Part 1, 36.3; the reference's FillInAttestInfo): resetCount, restartCount
 * and the firmware version would let keys in the storage or null hierarchy be correlated with one
 * TPM, so for those signers (and unsigned attestations) they are offset by
 * KDFa(SHA-512, ownerProof, "OBFUSCATE", qualifiedSigner, -, 128): two 64-bit values, the first added
 * to firmwareVersion, the second split into the offsets of resetCount (high half) and restartCount
 * (low half). The offsets are fixed per signer and owner, so changes of the counters still show,
 * but not their values. Endorsement and platform keys report them in the clear.
 */
export function needsObfuscation(key: TpmKey | null): boolean {
  return !key || (key.hierarchy !== TPM_RH.ENDORSEMENT && key.hierarchy !== TPM_RH.PLATFORM);
}

export function obfuscate(tpm: Tpm, qualifiedSigner: Buffer, clockInfo: ClockInfo, firmwareVersion: bigint): { clockInfo: ClockInfo; firmwareVersion: bigint } {
  const offsets = kdfa(TPM_ALG.SHA512, tpm.hierarchies.proof(TPM_RH.OWNER), 'OBFUSCATE', qualifiedSigner, Buffer.alloc(0), 128);
  // The reference reads the KDF output as two native (little-endian) UINT64s.
  const first = offsets.readBigUInt64LE(0);
  const second = offsets.readBigUInt64LE(8);
  return {
    firmwareVersion: (firmwareVersion + first) & U64,
    clockInfo: {
      ...clockInfo,
      resetCount: Number((BigInt(clockInfo.resetCount) + (second >> 32n)) & U32),
      restartCount: Number((BigInt(clockInfo.restartCount) + (second & U32)) & U32),
    },
  };
}
