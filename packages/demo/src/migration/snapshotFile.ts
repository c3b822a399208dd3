import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PAGE_SIZE, deriveVmSubkey } from '@vtpm/hypervisor';

/**
 * The memory section of a hypervisor admin snapshot (snapshotToDisk: "VTPMSNAP", u32 BE header
 * length, JSON header naming the sections in order, then the sections; memory comes first).
 */
export function snapshotMemory(file: Buffer): Buffer {
  if (file.subarray(0, 8).toString('latin1') !== 'VTPMSNAP') throw new Error('not a hypervisor admin snapshot (no VTPMSNAP magic)');
  const headerLength = file.readUInt32BE(8);
  const header = JSON.parse(file.subarray(12, 12 + headerLength).toString()) as { sections: Array<{ name: string; length: number }> };
  const first = header.sections[0];
  if (first?.name !== 'memory') throw new Error(`the snapshot's first section is ${first?.name ?? 'missing'}, not memory`);
  return file.subarray(12 + headerLength, 12 + headerLength + first.length);
}

/**
 * One page of a snapshot's memory decrypted with the VM's key, as its owner could: AES-256-XTS
 * under the VM's memory subkey, tweak = the page number (64-bit little-endian), straight from
 * node:crypto. The demo's control that the dumps do hold the VM's memory, only encrypted.
 */
export function decryptSnapshotPage(path: string, vmKey: Buffer, vmId: string, page: number): Buffer {
  const memory = snapshotMemory(readFileSync(path));
  const tweak = Buffer.alloc(16);
  tweak.writeBigUInt64LE(BigInt(page));
  const decipher = createDecipheriv('aes-256-xts', deriveVmSubkey(vmKey, vmId, 'memoryXts'), tweak);
  return Buffer.concat([decipher.update(memory.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE)), decipher.final()]);
}
