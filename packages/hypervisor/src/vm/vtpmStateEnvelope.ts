import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const MAGIC = Buffer.from('VTPS');
const VERSION = 1;
const HEADER = 4 + 1 + 8; // magic, version, generation

/**
 * A vTPM's state blobs (tpm.save()) encrypted under the VM's vTPM-state key (AES-256-GCM):
 * magic "VTPS" | version | generation (u64 BE) | nonce (12) | tag (16) | ciphertext. The AAD
 * is the header and the VM id, so the host can neither read the state, move it to another VM,
 * nor hand back an older generation than the one the VM expects.
 */
export function sealVtpmState(key: Buffer, vmId: string, generation: bigint, blobs: { permanent: Buffer; volatile?: Buffer | null }): Buffer {
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header);
  header.writeUInt8(VERSION, 4);
  header.writeBigUInt64BE(generation, 5);
  const volatile = blobs.volatile ?? Buffer.alloc(0);
  const plain = Buffer.alloc(8 + blobs.permanent.length + volatile.length);
  plain.writeUInt32BE(blobs.permanent.length, 0);
  blobs.permanent.copy(plain, 4);
  plain.writeUInt32BE(volatile.length, 4 + blobs.permanent.length);
  volatile.copy(plain, 8 + blobs.permanent.length);
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce).setAAD(Buffer.concat([header, Buffer.from(vmId)]));
  const ciphertext = Buffer.concat([c.update(plain), c.final()]);
  plain.fill(0);
  return Buffer.concat([header, nonce, c.getAuthTag(), ciphertext]);
}

export class VtpmStateError extends Error {
  override name = 'VtpmStateError';
}

/** The blobs back; refuses another VM's state, a modified envelope and a generation older than `minGeneration`. */
export function openVtpmState(key: Buffer, vmId: string, envelope: Buffer, minGeneration = 0n): { permanent: Buffer; volatile: Buffer | null; generation: bigint } {
  if (envelope.length < HEADER + 28 || !envelope.subarray(0, 4).equals(MAGIC)) throw new VtpmStateError('not a vTPM state envelope (magic "VTPS")');
  if (envelope[4] !== VERSION) throw new VtpmStateError(`vTPM state envelope version ${envelope[4]} is not supported (this build reads ${VERSION})`);
  const generation = envelope.readBigUInt64BE(5);
  if (generation < minGeneration) throw new VtpmStateError(`vTPM state generation ${generation} is older than ${minGeneration}: the host handed back a stale state (rollback)`);
  const d = createDecipheriv('aes-256-gcm', key, envelope.subarray(HEADER, HEADER + 12))
    .setAAD(Buffer.concat([envelope.subarray(0, HEADER), Buffer.from(vmId)]))
    .setAuthTag(envelope.subarray(HEADER + 12, HEADER + 28));
  let plain: Buffer;
  try {
    plain = Buffer.concat([d.update(envelope.subarray(HEADER + 28)), d.final()]);
  } catch {
    throw new VtpmStateError(`vTPM state envelope of VM ${vmId} does not authenticate: modified, or not this VM's (or not this key's)`);
  }
  const pLen = plain.readUInt32BE(0);
  const permanent = Buffer.from(plain.subarray(4, 4 + pLen));
  const vLen = plain.readUInt32BE(4 + pLen);
  const volatile = vLen ? Buffer.from(plain.subarray(8 + pLen, 8 + pLen + vLen)) : null;
  plain.fill(0);
  return { permanent, volatile, generation };
}
