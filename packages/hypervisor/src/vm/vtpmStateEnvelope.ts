import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { VTPM_ANCHOR_NAME_SIZE, vtpmAnchorLabel, type VtpmAnchor, type VtpmAnchorReading } from './vtpmRollbackAnchor.js';
import { VtpmStateError } from './vtpmStateError.js';

const MAGIC = Buffer.from('VTPS');
const VERSION = 2;
const HEADER = 4 + 1 + 8 + 4 + VTPM_ANCHOR_NAME_SIZE; // magic, version, generation, anchor index, anchor Name
const NONCE = 12;
const TAG = 16;

export interface VtpmStateHeader {
  generation: bigint;
  /** The host TPM counter the state was sealed against (see vtpmRollbackAnchor.ts). */
  anchor: VtpmAnchor;
}

export interface OpenedVtpmState {
  permanent: Buffer;
  volatile: Buffer | null;
  generation: bigint;
  anchor: VtpmAnchor;
}

/**
 * A vTPM's state blobs (tpm.save()) encrypted under the VM's vTPM-state key (AES-256-GCM):
 * magic "VTPS" | version 2 | generation (u64 BE) | anchor index (u32 BE) | anchor Name (34) |
 * nonce (12) | tag (16) | ciphertext. The AAD is the header and the VM id, so the host can
 * neither read the state, move it to another VM, nor change which host counter and which
 * generation it belongs to.
 */
export function sealVtpmState(key: Buffer, vmId: string, generation: bigint, anchor: VtpmAnchor, blobs: { permanent: Buffer; volatile?: Buffer | null }): Buffer {
  if (anchor.name.length !== VTPM_ANCHOR_NAME_SIZE) throw new Error(`a rollback anchor's Name is ${VTPM_ANCHOR_NAME_SIZE} octets (SHA-256), not ${anchor.name.length}`);
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header);
  header.writeUInt8(VERSION, 4);
  header.writeBigUInt64BE(generation, 5);
  header.writeUInt32BE(anchor.index, 13);
  anchor.name.copy(header, 17);
  const volatile = blobs.volatile ?? Buffer.alloc(0);
  const plain = Buffer.alloc(8 + blobs.permanent.length + volatile.length);
  plain.writeUInt32BE(blobs.permanent.length, 0);
  blobs.permanent.copy(plain, 4);
  plain.writeUInt32BE(volatile.length, 4 + blobs.permanent.length);
  volatile.copy(plain, 8 + blobs.permanent.length);
  const nonce = randomBytes(NONCE);
  const c = createCipheriv('aes-256-gcm', key, nonce).setAAD(Buffer.concat([header, Buffer.from(vmId)]));
  const ciphertext = Buffer.concat([c.update(plain), c.final()]);
  plain.fill(0);
  return Buffer.concat([header, nonce, c.getAuthTag(), ciphertext]);
}

/** The envelope's header as written (not yet authenticated: openVtpmState does that). */
export function readVtpmStateHeader(envelope: Buffer): VtpmStateHeader {
  if (envelope.length < 5 || !envelope.subarray(0, 4).equals(MAGIC)) throw new VtpmStateError('not a vTPM state envelope (magic "VTPS")');
  if (envelope[4] !== VERSION) throw new VtpmStateError(`vTPM state envelope version ${envelope[4]} is not supported (this build reads ${VERSION}; version 1 had no rollback anchor: re-create the VM)`);
  if (envelope.length < HEADER + NONCE + TAG) throw new VtpmStateError(`vTPM state envelope of ${envelope.length} octets is truncated (at least ${HEADER + NONCE + TAG})`);
  return { generation: envelope.readBigUInt64BE(5), anchor: { index: envelope.readUInt32BE(13), name: Buffer.from(envelope.subarray(17, HEADER)) } };
}

/**
 * The blobs back. Refuses another VM's state and a modified envelope; with `expected`, the
 * reading of the VM's anchor in this host's TPM, also a state sealed against another counter
 * and a generation below the counter (a rollback). Without it (a state that arrived by
 * migration: the stream authenticated it) only `minGeneration` applies.
 */
export function openVtpmState(key: Buffer, vmId: string, envelope: Buffer, minGeneration = 0n, expected?: VtpmAnchorReading): OpenedVtpmState {
  const { generation, anchor } = readVtpmStateHeader(envelope);
  const d = createDecipheriv('aes-256-gcm', key, envelope.subarray(HEADER, HEADER + NONCE))
    .setAAD(Buffer.concat([envelope.subarray(0, HEADER), Buffer.from(vmId)]))
    .setAuthTag(envelope.subarray(HEADER + NONCE, HEADER + NONCE + TAG));
  let plain: Buffer;
  try {
    plain = Buffer.concat([d.update(envelope.subarray(HEADER + NONCE + TAG)), d.final()]);
  } catch {
    throw new VtpmStateError(`vTPM state envelope of VM ${vmId} does not authenticate: modified, or not this VM's (or not this key's)`);
  }
  try {
    if (expected) checkAnchor(vmId, { generation, anchor }, expected);
    const floor = expected && expected.value > minGeneration ? expected.value : minGeneration;
    if (generation < floor) throw new VtpmStateError(`vTPM state generation ${generation} of VM ${vmId} is older than ${floor}${expected ? `, the count of its rollback anchor (${vtpmAnchorLabel(anchor.index)})` : ''}: the host handed back a stale state (rollback)`);
    const pLen = plain.readUInt32BE(0);
    const permanent = Buffer.from(plain.subarray(4, 4 + pLen));
    const vLen = plain.readUInt32BE(4 + pLen);
    const volatile = vLen ? Buffer.from(plain.subarray(8 + pLen, 8 + pLen + vLen)) : null;
    return { permanent, volatile, generation, anchor };
  } finally {
    plain.fill(0);
  }
}

function checkAnchor(vmId: string, sealed: VtpmStateHeader, held: VtpmAnchorReading): void {
  if (sealed.anchor.index !== held.anchor.index) {
    throw new VtpmStateError(`the vTPM state of VM ${vmId} is anchored to ${vtpmAnchorLabel(sealed.anchor.index)}, but its record names ${vtpmAnchorLabel(held.anchor.index)}: the record's anchor was swapped`);
  }
  if (!sealed.anchor.name.equals(held.anchor.name)) {
    throw new VtpmStateError(`${vtpmAnchorLabel(held.anchor.index)} in this host's TPM is not the counter VM ${vmId}'s vTPM state was sealed against (their Names differ): a state from another host, or the counter was re-created`);
  }
}
