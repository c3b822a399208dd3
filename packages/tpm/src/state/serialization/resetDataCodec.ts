import { restricted, struct, u32, u64, yesNo, type Codec } from '../../codec/codec.js';
import { TPM_RC } from '../../constants/rc.js';
import { fail } from '../../errors.js';
import { LIMITS, TPM2B_AUTH, TPM2B_DIGEST, TPMI_ALG_HASH_NULL } from '../../structures/basic.js';
import { MAX_ACTIVE_SESSIONS } from '../../sessions/sessionTable.js';
import type { HierarchyPolicy } from '../hierarchies.js';
import type { ResetData } from '../resetData.js';
import { SESSION_HANDLE } from './sessionCodec.js';
import { SEED, ascendingBy, converted } from './stateCodecs.js';

/** A hierarchy's authPolicy: TPM_ALG_NULL with an empty digest when none is set. */
export const HIERARCHY_POLICY: Codec<HierarchyPolicy> = struct('HIERARCHY_POLICY', { hashAlg: TPMI_ALG_HASH_NULL, digest: TPM2B_DIGEST });

const PCR_HANDLE = restricted('PCR handle', u32, Array.from({ length: LIMITS.PCR_COUNT }, (_, i) => i), TPM_RC.HANDLE);

/** The reference's gr and gc (resetData.ts): live in the volatile blob, frozen by Shutdown(STATE) in the permanent one. */
export const RESET_DATA: Codec<ResetData> = converted(
  'RESET_DATA',
  struct('RESET_DATA', {
    nullSeed: SEED,
    nullProof: SEED,
    platformAuth: TPM2B_AUTH,
    platformPolicy: HIERARCHY_POLICY,
    enables: struct('ENABLES', { owner: yesNo, endorsement: yesNo, platform: yesNo, platformNV: yesNo }),
    pcrAuth: ascendingBy('PCR authValues', struct('PCR_AUTH', { pcr: PCR_HANDLE, authValue: TPM2B_AUTH }), LIMITS.PCR_COUNT, (a) => a.pcr),
    contextCounter: u64,
    savedSessions: ascendingBy('saved sessions', struct('SAVED_SESSION', { handle: SESSION_HANDLE, sequence: u64 }), MAX_ACTIVE_SESSIONS, (s) => s.handle & 0x00ffffff),
    objectContextId: u64,
    sequenceRef: u64,
    commandAuditDigest: TPM2B_DIGEST,
  }),
  (d) => {
    // every saved context was given a sequence below the counter
    if (d.savedSessions.some((s) => s.sequence >= d.contextCounter)) fail(TPM_RC.VALUE, 'a saved session sequence at or above the context counter');
    return d;
  },
  (d) => d,
);
