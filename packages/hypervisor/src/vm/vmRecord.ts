import { Tpm } from '@vtpm/tpm';
import type { Host } from '../host/host.js';
import type { OperatorKey } from '../host/operatorKey.js';
import { sealedVmKeyFromJson, sealedVmKeyToJson, type SealedVmKey } from '../host/sealedVmKey.js';
import { deriveVmSubkey } from '../keys/vmKeyDerivation.js';
import type { HostEvidence, VmKeySource } from '../keys/vmKeySource.js';
import type { MemoryEncryptionMode } from '../memory/guestMemory.js';
import type { EncryptedRegisters } from './vcpuRegisters.js';
import { allocateVtpmAnchor, isVtpmAnchorIndex, vtpmAnchorHex, VTPM_ANCHOR_FIRST } from './vtpmRollbackAnchor.js';
import { sealVtpmState } from './vtpmStateEnvelope.js';

export interface VmConfig {
  vmId: string;
  /** Guest RAM in 4 KiB pages. */
  memoryPages: number;
  mode?: MemoryEncryptionMode;
  vcpus?: number;
}

/**
 * What a host keeps about a stopped VM, safe to write to disk: the VM key sealed by the host TPM
 * and the vTPM state encrypted under a key derived from the VM key. Nothing in it is plaintext.
 * Nothing in it is trusted either: the vTPM state carries its own generation and anchor,
 * authenticated, and opens only at or above the anchor's count in the host TPM.
 */
export interface VmRecord {
  config: Required<VmConfig>;
  sealedKey: SealedVmKey;
  vtpmState: Buffer;
  /** The generation `vtpmState` was sealed as (informative: the envelope's own copy is the one checked). */
  vtpmGeneration: bigint;
  /** NV index of the VM's rollback anchor, a counter in the host TPM (vtpmRollbackAnchor.ts); also inside the envelope. */
  vtpmAnchor: number;
  /** The vCPU save areas (encrypted) of a VM checkpointed while running; absent for a powered-off VM. */
  registers?: EncryptedRegisters[];
}

/**
 * Defines a VM on `host`: fetches its key from outside, seals it to the host's PCRs, allocates its
 * rollback anchor in the host TPM and makes a fresh vTPM, sealed as the anchor's first count. The
 * anchor is in the host TPM's memory only: persist the host TPM before the record (AnchoredVmEntries does).
 */
export async function createVmRecord(host: Host, config: VmConfig, keySource: VmKeySource, options: { operator?: OperatorKey; evidence?: HostEvidence } = {}): Promise<VmRecord> {
  const full = { mode: 'xts' as const, vcpus: 1, ...config };
  const vmKey = await keySource.fetchKey(full.vmId, options.evidence);
  try {
    const sealedKey = await host.sealVmKey(full.vmId, vmKey, options.operator);
    const { anchor, value } = await allocateVtpmAnchor(host, full.vmId);
    const vtpmKey = deriveVmSubkey(vmKey, full.vmId, 'vtpmState');
    const vtpmState = sealVtpmState(vtpmKey, full.vmId, value, anchor, { permanent: new Tpm().save().permanent });
    vtpmKey.fill(0);
    return { config: full, sealedKey, vtpmState, vtpmGeneration: value, vtpmAnchor: anchor.index };
  } finally {
    vmKey.fill(0);
  }
}

const registersToJson = (r: EncryptedRegisters) => ({ nonce: r.nonce.toString('base64'), ciphertext: r.ciphertext.toString('base64'), tag: r.tag.toString('base64') });
const registersFromJson = (j: ReturnType<typeof registersToJson>): EncryptedRegisters => ({ nonce: Buffer.from(j.nonce, 'base64'), ciphertext: Buffer.from(j.ciphertext, 'base64'), tag: Buffer.from(j.tag, 'base64') });

function anchorFromJson(vmId: string, text: unknown): number {
  const index = typeof text === 'string' && /^0x[0-9a-f]{8}$/i.test(text) ? Number.parseInt(text, 16) : NaN;
  if (!isVtpmAnchorIndex(index)) throw new Error(`the record of VM ${vmId} has vtpmAnchor ${JSON.stringify(text)}, not a rollback anchor handle like "${vtpmAnchorHex(VTPM_ANCHOR_FIRST)}"${text === undefined ? ' (records written before rollback anchors: re-create the VM)' : ''}`);
  return index;
}

export const vmRecordToJson = (r: VmRecord) => ({
  config: r.config, sealedKey: sealedVmKeyToJson(r.sealedKey), vtpmState: r.vtpmState.toString('base64'), vtpmGeneration: r.vtpmGeneration.toString(), vtpmAnchor: vtpmAnchorHex(r.vtpmAnchor),
  ...(r.registers ? { registers: r.registers.map(registersToJson) } : {}),
});
export const vmRecordFromJson = (j: ReturnType<typeof vmRecordToJson>): VmRecord => ({
  config: j.config, sealedKey: sealedVmKeyFromJson(j.sealedKey), vtpmState: Buffer.from(j.vtpmState, 'base64'), vtpmGeneration: BigInt(j.vtpmGeneration), vtpmAnchor: anchorFromJson(j.config.vmId, j.vtpmAnchor),
  ...(j.registers ? { registers: j.registers.map(registersFromJson) } : {}),
});
