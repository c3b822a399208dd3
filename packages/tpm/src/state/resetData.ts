import { TPM_RH } from '../constants/handles.js';
import type { AuthSession } from '../sessions/authSession.js';
import type { Tpm } from '../tpm.js';
import type { HierarchyPolicy } from './hierarchies.js';

/** A context-saved session's slot: its handle and the context sequence ContextLoad must present. */
export interface SavedSessionSlot {
  handle: number;
  sequence: bigint;
}

/**
 * What TPM Restart and TPM Resume keep from before the shutdown (the reference's STATE_RESET_DATA
 * and STATE_CLEAR_DATA, gr and gc): the null hierarchy, the platform's authorization and the
 * enables, PCR authValues, saved sessions and the context counters, the command audit digest.
 * Shutdown(STATE) freezes a copy; the volatile state blob carries the live values.
 */
export interface ResetData {
  nullSeed: Buffer;
  nullProof: Buffer;
  platformAuth: Buffer;
  platformPolicy: HierarchyPolicy;
  /** shEnable, ehEnable, phEnable, phEnableNV. */
  enables: { owner: boolean; endorsement: boolean; platform: boolean; platformNV: boolean };
  /** PCR authValues by PCR handle, ascending. */
  pcrAuth: { pcr: number; authValue: Buffer }[];
  contextCounter: bigint;
  savedSessions: SavedSessionSlot[];
  objectContextId: bigint;
  /** The saved-sequence store's last reference (sequenceStore.ts); the states themselves are not carried. */
  sequenceRef: bigint;
  commandAuditDigest: Buffer;
}

export function captureResetData(tpm: Tpm): ResetData {
  const h = tpm.hierarchies;
  const policy = h.policy.get(TPM_RH.PLATFORM)!;
  return {
    nullSeed: Buffer.from(h.seed(TPM_RH.NULL)),
    nullProof: Buffer.from(h.proof(TPM_RH.NULL)),
    platformAuth: Buffer.from(h.auth.get(TPM_RH.PLATFORM)!),
    platformPolicy: { hashAlg: policy.hashAlg, digest: Buffer.from(policy.digest) },
    enables: {
      owner: h.isEnabled(TPM_RH.OWNER),
      endorsement: h.isEnabled(TPM_RH.ENDORSEMENT),
      platform: h.isEnabled(TPM_RH.PLATFORM),
      platformNV: h.isEnabled(TPM_RH.PLATFORM_NV),
    },
    pcrAuth: [...tpm.pcrAuth].sort(([a], [b]) => a - b).map(([pcr, authValue]) => ({ pcr, authValue: Buffer.from(authValue) })),
    contextCounter: tpm.sessions.nextContextSequence,
    savedSessions: tpm.sessions.savedContexts(),
    objectContextId: tpm.contexts.objectContextId,
    sequenceRef: tpm.contexts.sequences.lastRef,
    commandAuditDigest: Buffer.from(tpm.commandAudit.digest),
  };
}

/**
 * Puts reset data back. Loaded sessions are not part of it: they stay only when given (a volatile
 * state blob), as Startup drops them anyway.
 */
export function applyResetData(tpm: Tpm, d: ResetData, loaded: { sessions: AuthSession[]; exclusiveAudit: number | null } = { sessions: [], exclusiveAudit: null }): void {
  const h = tpm.hierarchies;
  h.seeds.set(TPM_RH.NULL, Buffer.from(d.nullSeed));
  h.proofs.set(TPM_RH.NULL, Buffer.from(d.nullProof));
  h.auth.set(TPM_RH.PLATFORM, Buffer.from(d.platformAuth));
  h.policy.set(TPM_RH.PLATFORM, { hashAlg: d.platformPolicy.hashAlg, digest: Buffer.from(d.platformPolicy.digest) });
  h.enabled.set(TPM_RH.OWNER, d.enables.owner);
  h.enabled.set(TPM_RH.ENDORSEMENT, d.enables.endorsement);
  h.enabled.set(TPM_RH.PLATFORM, d.enables.platform);
  h.enabled.set(TPM_RH.PLATFORM_NV, d.enables.platformNV);
  tpm.pcrAuth.clear();
  for (const { pcr, authValue } of d.pcrAuth) tpm.pcrAuth.set(pcr, Buffer.from(authValue));
  tpm.sessions.restoreSlots(d.contextCounter, d.savedSessions, loaded.sessions, loaded.exclusiveAudit);
  tpm.contexts.objectContextId = d.objectContextId;
  tpm.contexts.sequences.lastRef = d.sequenceRef;
  tpm.commandAudit.digest = Buffer.from(d.commandAuditDigest);
}
