import { hkdfSync } from 'node:crypto';

/** HKDF-SHA256 labels: one per use of the VM key, so no two uses ever share key bytes. */
export const VM_KEY_LABELS = {
  memoryXts: 'vtpm/hypervisor guest memory AES-256-XTS',
  memoryGcm: 'vtpm/hypervisor guest memory AES-256-GCM',
  vcpuRegisters: 'vtpm/hypervisor vCPU registers AES-256-GCM',
  vtpmState: 'vtpm/hypervisor vTPM state AES-256-GCM',
} as const;

export type VmKeyUse = keyof typeof VM_KEY_LABELS;

const LENGTHS: Record<VmKeyUse, number> = { memoryXts: 64, memoryGcm: 32, vcpuRegisters: 32, vtpmState: 32 };

/** The subkey for one use, salted with the VM id so two VMs given the same key still differ. */
export function deriveVmSubkey(vmKey: Buffer, vmId: string, use: VmKeyUse): Buffer {
  return Buffer.from(hkdfSync('sha256', vmKey, Buffer.from(vmId), VM_KEY_LABELS[use], LENGTHS[use]));
}
