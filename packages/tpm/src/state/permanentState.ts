import { TPM_RH } from '../constants/handles.js';
import { TPM_SU } from '../constants/types.js';
import { TpmKey } from '../objects/tpmKey.js';
import type { Tpm } from '../tpm.js';
import type { SectionValues } from './serialization/blobFormat.js';
import type { PERMANENT_SECTIONS } from './serialization/permanentFormat.js';
import { checkPcrValues } from './pcrValuesCheck.js';

export type PermanentState = SectionValues<typeof PERMANENT_SECTIONS>;

const policyOf = (tpm: Tpm, h: number) => {
  const p = tpm.hierarchies.policy.get(h)!;
  return { hashAlg: p.hashAlg, digest: Buffer.from(p.digest) };
};

/** Reads the permanent state off a TPM without changing anything (no DA healing, no clock update). */
export function capturePermanent(tpm: Tpm): PermanentState {
  const h = tpm.hierarchies;
  const da = tpm.da;
  const audit = tpm.commandAudit;
  const startup = tpm.startupRecord;
  return {
    lifecycle: {
      permanentStateVersion: tpm.permanentStateVersion,
      resetCount: tpm.resetCount,
      restartCount: tpm.restartCount,
      totalResetCount: tpm.contexts.totalResetCount,
      clearCount: tpm.contexts.clearCount,
      shutdownType: startup.shutdownType,
      tpmEstablished: tpm.tpmEstablished,
    },
    random: tpm.random.exportState(),
    clock: { clock: tpm.clock.clock, unsafeSince: tpm.clockUnsafeSince, rateAdjust: tpm.clock.rateAdjust },
    hierarchies: {
      ownerSeed: h.seed(TPM_RH.OWNER),
      ownerProof: h.proof(TPM_RH.OWNER),
      endorsementSeed: h.seed(TPM_RH.ENDORSEMENT),
      endorsementProof: h.proof(TPM_RH.ENDORSEMENT),
      platformSeed: h.seed(TPM_RH.PLATFORM),
      platformProof: h.proof(TPM_RH.PLATFORM),
      ownerAuth: h.auth.get(TPM_RH.OWNER)!,
      endorsementAuth: h.auth.get(TPM_RH.ENDORSEMENT)!,
      lockoutAuth: h.auth.get(TPM_RH.LOCKOUT)!,
      ownerPolicy: policyOf(tpm, TPM_RH.OWNER),
      endorsementPolicy: policyOf(tpm, TPM_RH.ENDORSEMENT),
      lockoutPolicy: policyOf(tpm, TPM_RH.LOCKOUT),
      disableClear: h.disableClear,
    },
    pcrAllocation: { current: tpm.pcrs.allocated, pending: tpm.pcrs.pendingAllocation },
    dictionaryAttack: {
      failedTries: da.failedTries,
      maxTries: da.maxTries,
      recoveryTime: da.recoveryTime,
      lockoutRecovery: da.lockoutRecovery,
      lockoutAuthEnabled: da.lockoutAuthEnabled,
      daUsed: da.daUsed,
    },
    commandAudit: { hashAlg: audit.hashAlg, counter: audit.counter, commands: audit.auditedCommands() },
    nv: { deletedCounterMax: tpm.nv.deletedCounterMax, indices: tpm.nv.handles().map((i) => tpm.nv.get(i)!) },
    persistent: tpm.persistent.handles().map((handle) => {
      const object = tpm.persistent.get(handle);
      if (!(object instanceof TpmKey)) throw new Error(`persistent handle 0x${handle.toString(16)} holds a ${object?.kind}`);
      return { handle, object };
    }),
    stateSave: startup.savedState,
    keyDerivation: { rsaPrimeSearch: tpm.rsaPrimeSearch },
  };
}

/**
 * Puts permanent state into a freshly constructed TPM (volatile state is applied after it). The
 * TPM must have been constructed with the blob's key derivation (`rsaPrimeSearch` never changes).
 */
export function applyPermanent(tpm: Tpm, p: PermanentState): void {
  if (tpm.rsaPrimeSearch !== p.keyDerivation.rsaPrimeSearch) throw new Error(`RSA prime search ${tpm.rsaPrimeSearch} of the TPM, ${p.keyDerivation.rsaPrimeSearch} in the blob`);
  const { lifecycle, hierarchies: hs, dictionaryAttack: d } = p;
  tpm.tpmEstablished = lifecycle.tpmEstablished;
  tpm.permanentStateVersion = lifecycle.permanentStateVersion;
  tpm.resetCount = lifecycle.resetCount;
  tpm.restartCount = lifecycle.restartCount;
  tpm.contexts.totalResetCount = lifecycle.totalResetCount;
  tpm.contexts.clearCount = lifecycle.clearCount;
  tpm.startupRecord = { ...tpm.startupRecord, shutdownType: lifecycle.shutdownType, savedState: p.stateSave };

  tpm.random.importState(p.random);
  tpm.clock.clock = p.clock.clock;
  tpm.clockUnsafeSince = p.clock.unsafeSince;
  tpm.clock.rateAdjust = p.clock.rateAdjust;

  const h = tpm.hierarchies;
  const seeds: [number, Buffer, Buffer][] = [
    [TPM_RH.OWNER, hs.ownerSeed, hs.ownerProof],
    [TPM_RH.ENDORSEMENT, hs.endorsementSeed, hs.endorsementProof],
    [TPM_RH.PLATFORM, hs.platformSeed, hs.platformProof],
  ];
  for (const [hierarchy, seed, proof] of seeds) {
    h.seeds.set(hierarchy, seed);
    h.proofs.set(hierarchy, proof);
  }
  h.auth.set(TPM_RH.OWNER, hs.ownerAuth);
  h.auth.set(TPM_RH.ENDORSEMENT, hs.endorsementAuth);
  h.auth.set(TPM_RH.LOCKOUT, hs.lockoutAuth);
  h.policy.set(TPM_RH.OWNER, hs.ownerPolicy);
  h.policy.set(TPM_RH.ENDORSEMENT, hs.endorsementPolicy);
  h.policy.set(TPM_RH.LOCKOUT, hs.lockoutPolicy);
  h.disableClear = hs.disableClear;

  tpm.pcrs.allocated = p.pcrAllocation.current;
  tpm.pcrs.pendingAllocation = p.pcrAllocation.pending;

  Object.assign(tpm.da, d);

  tpm.commandAudit.hashAlg = p.commandAudit.hashAlg;
  tpm.commandAudit.counter = p.commandAudit.counter;
  tpm.commandAudit.restoreAudited(p.commandAudit.commands);

  // The Shutdown(STATE) image exists exactly while the orderly marker says STATE.
  if ((p.stateSave !== null) !== (lifecycle.shutdownType === TPM_SU.STATE)) throw new Error('the Shutdown(STATE) image does not match the orderly marker');
  if (p.stateSave) checkPcrValues(tpm.pcrs, p.stateSave.pcrs, 'Shutdown(STATE) PCR values');

  tpm.nv.restore(p.nv.indices, p.nv.deletedCounterMax);
  for (const { handle, object } of p.persistent) tpm.persistent.add(handle, object);
}
