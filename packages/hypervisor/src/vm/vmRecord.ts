import { Tpm } from '@vtpm/tpm';
import type { Host } from '../host/host.js';
import type { OperatorKey } from '../host/operatorKey.js';
import { sealedVmKeyFromJson, sealedVmKeyToJson, type SealedVmKey } from '../host/sealedVmKey.js';
import { deriveVmSubkey } from '../keys/vmKeyDerivation.js';
import type { HostEvidence, VmKeySource } from '../keys/vmKeySource.js';
import type { MemoryEncryptionMode } from '../memory/guestMemory.js';
import type { EncryptedRegisters } from './vcpuRegisters.js';
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
 */
export interface VmRecord {
  config: Required<VmConfig>;
  sealedKey: SealedVmKey;
  vtpmState: Buffer;
  vtpmGeneration: bigint;
  /** The vCPU save areas (encrypted) of a VM checkpointed while running; absent for a powered-off VM. */
  registers?: EncryptedRegisters[];
}

/** Defines a VM on `host`: fetches its key from outside, seals it to the host's PCRs, makes a fresh vTPM. */
export async function createVmRecord(host: Host, config: VmConfig, keySource: VmKeySource, options: { operator?: OperatorKey; evidence?: HostEvidence } = {}): Promise<VmRecord> {
  const full = { mode: 'xts' as const, vcpus: 1, ...config };
  const vmKey = await keySource.fetchKey(full.vmId, options.evidence);
  try {
    const sealedKey = await host.sealVmKey(full.vmId, vmKey, options.operator);
    const vtpmKey = deriveVmSubkey(vmKey, full.vmId, 'vtpmState');
    const vtpmState = sealVtpmState(vtpmKey, full.vmId, 1n, { permanent: new Tpm().save().permanent });
    vtpmKey.fill(0);
    return { config: full, sealedKey, vtpmState, vtpmGeneration: 1n };
  } finally {
    vmKey.fill(0);
  }
}

const registersToJson = (r: EncryptedRegisters) => ({ nonce: r.nonce.toString('base64'), ciphertext: r.ciphertext.toString('base64'), tag: r.tag.toString('base64') });
const registersFromJson = (j: ReturnType<typeof registersToJson>): EncryptedRegisters => ({ nonce: Buffer.from(j.nonce, 'base64'), ciphertext: Buffer.from(j.ciphertext, 'base64'), tag: Buffer.from(j.tag, 'base64') });

export const vmRecordToJson = (r: VmRecord) => ({
  config: r.config, sealedKey: sealedVmKeyToJson(r.sealedKey), vtpmState: r.vtpmState.toString('base64'), vtpmGeneration: r.vtpmGeneration.toString(),
  ...(r.registers ? { registers: r.registers.map(registersToJson) } : {}),
});
export const vmRecordFromJson = (j: ReturnType<typeof vmRecordToJson>): VmRecord => ({
  config: j.config, sealedKey: sealedVmKeyFromJson(j.sealedKey), vtpmState: Buffer.from(j.vtpmState, 'base64'), vtpmGeneration: BigInt(j.vtpmGeneration),
  ...(j.registers ? { registers: j.registers.map(registersFromJson) } : {}),
});
