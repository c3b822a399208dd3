import { fixedBytes, struct, u8, u32, u64, yesNo } from '../../codec/codec.js';
import { TPM_RC } from '../../constants/rc.js';
import { fail } from '../../errors.js';
import { isRsaPrimeSearch, type RsaPrimeSearch } from '../../crypto/rsaPrimeSearch.js';
import { TPM_CLOCK_ADJUST } from '../../spec/clock.js';
import { TPM2B_AUTH, TPM_SU_CODEC } from '../../structures/basic.js';
import { addedIn, blobFormat } from './blobFormat.js';
import { PERMANENT_MAGIC, STATE_FORMAT_VERSIONS, VOLATILE_MAGIC } from './formatIds.js';
import { NV_INDICES } from './nvCodec.js';
import { PERSISTENT_OBJECTS } from './objectCodec.js';
import { PCR_ALLOCATION, PCR_BANKS } from './pcrCodec.js';
import { HIERARCHY_POLICY, RESET_DATA } from './resetDataCodec.js';
import { HASH_ALG, SEED, ascending, converted, optional } from './stateCodecs.js';

/** A JS number counter kept as a UINT64 (safe integers only). */
export const COUNTER64 = converted('counter', u64, (v) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : fail(TPM_RC.VALUE, 'counter beyond 2^53')), (v) => BigInt(v));

/** The RSA prime search method of seed-derived keys (crypto/rsaPrimeSearch.ts): u8 1 or 2. */
export const RSA_PRIME_SEARCH = converted<number, RsaPrimeSearch>(
  'rsaPrimeSearch',
  u8,
  (v) => (isRsaPrimeSearch(v) ? v : fail(TPM_RC.VALUE, `unknown RSA prime search method ${v}`)),
  (v) => v,
);

/** The sections of the permanent state blob, in order (docs/state.md describes each field). */
export const PERMANENT_SECTIONS = {
  lifecycle: struct('LIFECYCLE', {
    permanentStateVersion: COUNTER64,
    resetCount: u32,
    restartCount: u32,
    totalResetCount: u64,
    clearCount: u32,
    /** TPM_SU of the last orderly Shutdown since Startup; absent: not shut down orderly (the orderly marker). */
    shutdownType: optional('shutdownType', TPM_SU_CODEC),
    tpmEstablished: yesNo,
  }),
  random: optional('random', struct('DRBG', { state: fixedBytes('DRBG state', 32), counter: u32 })),
  clock: struct('CLOCK', { clock: u64, unsafeSince: optional('unsafeSince', u64), rateAdjust: TPM_CLOCK_ADJUST }),
  hierarchies: struct('HIERARCHIES', {
    ownerSeed: SEED,
    ownerProof: SEED,
    endorsementSeed: SEED,
    endorsementProof: SEED,
    platformSeed: SEED,
    platformProof: SEED,
    ownerAuth: TPM2B_AUTH,
    endorsementAuth: TPM2B_AUTH,
    lockoutAuth: TPM2B_AUTH,
    ownerPolicy: HIERARCHY_POLICY,
    endorsementPolicy: HIERARCHY_POLICY,
    lockoutPolicy: HIERARCHY_POLICY,
    disableClear: yesNo,
  }),
  pcrAllocation: struct('PCR_ALLOCATIONS', { current: PCR_ALLOCATION, pending: PCR_ALLOCATION }),
  dictionaryAttack: struct('DA', {
    failedTries: u32,
    maxTries: u32,
    recoveryTime: u32,
    lockoutRecovery: u32,
    lockoutAuthEnabled: yesNo,
    daUsed: yesNo,
  }),
  commandAudit: struct('COMMAND_AUDIT', { hashAlg: HASH_ALG, counter: u64, commands: ascending('audited commands', u32, 1024) }),
  nv: struct('NV', { deletedCounterMax: u64, indices: NV_INDICES }),
  persistent: PERSISTENT_OBJECTS,
  stateSave: optional('stateSave', struct('STATE_SAVE', { pcrs: PCR_BANKS, resetData: RESET_DATA })),
  /** Version 2: how keys are derived from the seeds. A version-1 TPM searched RSA primes with method 1. */
  keyDerivation: addedIn(2, struct('KEY_DERIVATION', { rsaPrimeSearch: RSA_PRIME_SEARCH }), { rsaPrimeSearch: 1 as RsaPrimeSearch }),
};

export const permanentFormat = blobFormat('permanent', PERMANENT_MAGIC, STATE_FORMAT_VERSIONS, PERMANENT_SECTIONS, [{ kind: 'volatile', magic: VOLATILE_MAGIC }]);
