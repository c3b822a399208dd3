import { TPM_RH } from '../constants/handles.js';
import { TpmKey } from '../objects/tpmKey.js';
import type { Tpm } from '../tpm.js';
import { checkPcrValues } from './pcrValuesCheck.js';
import { applyResetData, captureResetData } from './resetData.js';
import type { SectionValues } from './serialization/blobFormat.js';
import type { VOLATILE_SECTIONS } from './serialization/volatileFormat.js';

export type VolatileState = SectionValues<typeof VOLATILE_SECTIONS>;

/**
 * Reads the volatile state off a TPM without changing anything. Hash, HMAC and event sequences
 * are left out: their node:crypto hash states cannot be exported (docs/state.md).
 */
export function captureVolatile(tpm: Tpm): VolatileState {
  const startup = tpm.startupRecord;
  return {
    binding: { permanentStateVersion: tpm.permanentStateVersion },
    flags: {
      powered: tpm.powered,
      initPending: startup.initPending,
      started: tpm.started,
      orderlyStartup: tpm.orderlyStartup,
      selfTested: tpm.selfTested,
      pcrReconfigured: tpm.pcrs.reconfigured,
      physicalPresence: tpm.platform.physicalPresence,
      cancel: tpm.platform.cancel,
      nvAvailable: tpm.platform.nvAvailable,
    },
    time: { time: tpm.clock.time, daSelfHealTimer: tpm.da.selfHealTimer, daLockoutTimer: tpm.da.lockoutTimer },
    selfTests: tpm.selfTests.toDoList(),
    pcrs: { banks: tpm.pcrs.snapshot(), updateCounter: tpm.pcrs.updateCounter, hcrtm: tpm.hcrtmPcrs },
    resetData: captureResetData(tpm),
    sessions: { loaded: tpm.sessions.loadedSessions(), exclusiveAudit: tpm.sessions.exclusiveAudit },
    objects: tpm.objects.handles().flatMap((handle) => {
      const object = tpm.objects.get(handle);
      return object instanceof TpmKey ? [{ handle, object }] : [];
    }),
    commandAudit: { hashJustChanged: tpm.commandAudit.hashJustChanged },
  };
}

/** Puts volatile state into a TPM that has its permanent state already. */
export function applyVolatile(tpm: Tpm, v: VolatileState): void {
  const { flags } = v;
  if (flags.started && flags.initPending) throw new Error('started and waiting for Startup at once');
  tpm.powered = flags.powered;
  tpm.startupRecord = { ...tpm.startupRecord, initPending: flags.initPending };
  tpm.started = flags.started;
  tpm.orderlyStartup = flags.orderlyStartup;
  tpm.selfTested = flags.selfTested;
  tpm.pcrs.reconfigured = flags.pcrReconfigured;
  Object.assign(tpm.platform, { physicalPresence: flags.physicalPresence, cancel: flags.cancel, nvAvailable: flags.nvAvailable });

  tpm.clock.restoreTime(v.time.time);
  tpm.da.selfHealTimer = v.time.daSelfHealTimer;
  tpm.da.lockoutTimer = v.time.daLockoutTimer;
  tpm.selfTests.restoreToDoList(v.selfTests);

  checkPcrValues(tpm.pcrs, v.pcrs.banks, 'PCR values');
  tpm.pcrs.restoreBanks(v.pcrs.banks);
  tpm.pcrs.updateCounter = v.pcrs.updateCounter;
  tpm.hcrtmPcrs = v.pcrs.hcrtm;

  applyResetData(tpm, v.resetData, { sessions: v.sessions.loaded, exclusiveAudit: v.sessions.exclusiveAudit });
  for (const { handle, object } of v.objects) tpm.objects.place(handle, object);
  tpm.commandAudit.hashJustChanged = v.commandAudit.hashJustChanged;
}

/**
 * No volatile state: the TPM was powered off. It waits for Startup; the null hierarchy has no seed
 * until then (TPM Reset makes one, Restart and Resume take Shutdown(STATE)'s).
 */
export function applyPowerCycle(tpm: Tpm): void {
  tpm.startupRecord = { ...tpm.startupRecord, initPending: true };
  tpm.started = false;
  tpm.hierarchies.seeds.set(TPM_RH.NULL, Buffer.alloc(64));
  tpm.hierarchies.proofs.set(TPM_RH.NULL, Buffer.alloc(64));
}
