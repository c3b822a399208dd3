import { writeFile } from 'node:fs/promises';
import type { EncryptedRegisters } from '../vm/vcpuRegisters.js';
import type { RunningVm } from '../vm/runningVm.js';

/**
 * What a hypervisor administrator can take from a running VM: copies of the host's memory for
 * it, the vCPU save areas and a snapshot file. Each is built from RunningVm.hostState(), which
 * holds ciphertext only; nothing here can reach a key or a plaintext page.
 */
export function memoryDump(vm: RunningVm): { ciphertext: Buffer; tags: Buffer } {
  const { memory } = vm.hostState();
  return { ciphertext: Buffer.from(memory.ciphertext), tags: Buffer.from(memory.tags) };
}

export function registerDump(vm: RunningVm): EncryptedRegisters[] {
  return vm.hostState().registers;
}

const SNAPSHOT_MAGIC = Buffer.from('VTPMSNAP');

/**
 * Writes a snapshot: "VTPMSNAP", u32 BE header length, a JSON header (VM id, mode, page count,
 * section lengths), then the sections: memory ciphertext, GCM tags, vCPU save areas, vTPM state
 * envelope. Restoring one needs the VM key, which the file does not hold.
 */
export async function snapshotToDisk(vm: RunningVm, path: string): Promise<number> {
  const state = vm.hostState();
  const registers = Buffer.concat(state.registers.flatMap((r) => [r.nonce, r.tag, r.ciphertext]));
  const sections = { memory: state.memory.ciphertext, tags: state.memory.tags, registers, vtpmState: state.vtpmState };
  const header = Buffer.from(JSON.stringify({
    vmId: state.vmId, mode: vm.memory.mode, pageCount: vm.memory.pageCount,
    sections: Object.entries(sections).map(([name, b]) => ({ name, length: b.length })),
  }));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  const file = [SNAPSHOT_MAGIC, length, header, ...Object.values(sections)];
  await writeFile(path, file, { mode: 0o600 });
  return file.reduce((n, b) => n + b.length, 0);
}
