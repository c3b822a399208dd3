import { randomBytes } from 'node:crypto';
import {
  GetCapability, NV_DefineSpace, NV_Increment, NV_Read, NV_ReadPublic, NV_UndefineSpace, TPM_ALG, TPM_CAP, TPM_NT, TPM_RC, TPM_RH, TPMA_NV, TPMA_NV_TPM_NT_SHIFT, TpmResponseError, type TpmClient,
} from '@vtpm/tpm';
import type { Host } from '../host/host.js';
import { VtpmStateError } from './vtpmStateError.js';

/** Host-TPM NV handles for rollback anchors (owner range 0x01xxxxxx; 0x01C1xxxx are the vTPMs' own, see @vtpm/migration's epoch). */
export const VTPM_ANCHOR_FIRST = 0x01c20000;
export const VTPM_ANCHOR_LAST = 0x01c2ffff;

/** Size of an anchor's Name: TPM_ALG_SHA256 (u16) ‖ SHA-256 of its public area. */
export const VTPM_ANCHOR_NAME_SIZE = 34;

/**
 * Which host counter a VM's vTPM state is bound to: its handle and its Name. The Name covers a
 * random authPolicy chosen at allocation (no POLICY* attribute is set, so it authorizes nothing),
 * which makes it unique to this counter: a counter at the same handle in another host's TPM, or
 * one re-created with another public area, has another Name.
 */
export interface VtpmAnchor {
  index: number;
  name: Buffer;
}

/** An anchor as the host TPM holds it now: the count is the lowest vTPM generation still accepted. */
export interface VtpmAnchorReading {
  anchor: VtpmAnchor;
  value: bigint;
}

// A counter (never goes back; re-defined, it starts above the highest deleted count, Part 1 NV
// counters), written by the owner. Not ORDERLY: an orderly counter jumps ahead after an
// unorderly shutdown, which would make every saved vTPM state look stale.
const ATTRIBUTES = (TPMA_NV.OWNERWRITE | TPMA_NV.OWNERREAD | (TPM_NT.COUNTER << TPMA_NV_TPM_NT_SHIFT)) >>> 0;
const OWNER = [{ password: '' }];
/** An NV handle as records and messages show it: 0x01c20000. */
export const vtpmAnchorHex = (index: number) => `0x${index.toString(16).padStart(8, '0')}`;

export const isVtpmAnchorIndex = (index: number) => Number.isInteger(index) && index >= VTPM_ANCHOR_FIRST && index <= VTPM_ANCHOR_LAST;
export const vtpmAnchorLabel = (index: number) => `host TPM NV counter ${vtpmAnchorHex(index)}`;

/** The anchor handles defined in the host TPM, ascending. */
export async function listVtpmAnchors(client: TpmClient): Promise<number[]> {
  const found: number[] = [];
  for (let from = VTPM_ANCHOR_FIRST, more = true; more && from <= VTPM_ANCHOR_LAST; ) {
    const r = await client.run(GetCapability, { params: { capability: TPM_CAP.HANDLES, property: from, propertyCount: 256 } });
    const handles = r.capabilityData.data as number[];
    found.push(...handles.filter(isVtpmAnchorIndex));
    more = r.moreData && handles.length > 0 && handles[handles.length - 1]! < VTPM_ANCHOR_LAST;
    from = (handles[handles.length - 1] ?? VTPM_ANCHOR_LAST) + 1;
  }
  return found;
}

/** A new anchor for `vmId`: the first free handle, defined and counted once (its first count is above any counter deleted before). */
export async function allocateVtpmAnchor(host: Host, vmId: string): Promise<VtpmAnchorReading> {
  const used = new Set(await listVtpmAnchors(host.client));
  let index = VTPM_ANCHOR_FIRST;
  while (used.has(index)) index++;
  if (index > VTPM_ANCHOR_LAST) throw new Error(`VM ${vmId}: the host TPM has no free rollback anchor handle in ${vtpmAnchorHex(VTPM_ANCHOR_FIRST)}-${vtpmAnchorHex(VTPM_ANCHOR_LAST)}: remove VMs from this host first`);
  try {
    await host.client.run(NV_DefineSpace, {
      handles: { authHandle: TPM_RH.OWNER }, auth: OWNER,
      params: { auth: Buffer.alloc(0), publicInfo: { nvIndex: index, nameAlg: TPM_ALG.SHA256, attributes: ATTRIBUTES, authPolicy: randomBytes(32), dataSize: 8 } },
    });
  } catch (e) {
    if (e instanceof TpmResponseError && e.rc === TPM_RC.NV_SPACE) throw new Error(`VM ${vmId}: the host TPM's NV memory is full, no room for its rollback anchor: remove VMs from this host first`);
    throw e;
  }
  await host.client.run(NV_Increment, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index }, auth: OWNER, params: {} });
  return readVtpmAnchor(host, index, vmId);
}

/** The anchor at `index` as the host TPM holds it; a VtpmStateError naming `vmId` when it is gone or is not an anchor. */
export async function readVtpmAnchor(host: Host, index: number, vmId: string): Promise<VtpmAnchorReading> {
  const label = vtpmAnchorLabel(index);
  if (!isVtpmAnchorIndex(index)) throw new VtpmStateError(`the record of VM ${vmId} names ${label} as its rollback anchor, outside ${vtpmAnchorHex(VTPM_ANCHOR_FIRST)}-${vtpmAnchorHex(VTPM_ANCHOR_LAST)}: the record was altered`);
  let pub;
  try {
    pub = await host.client.run(NV_ReadPublic, { handles: { nvIndex: index }, params: {} });
  } catch {
    throw new VtpmStateError(`the rollback anchor of VM ${vmId}, ${label}, is not defined in this host's TPM: the record comes from another host, or the counter was deleted (TPM cleared, or its state file replaced); the vTPM state cannot be trusted here`);
  }
  if (pub.nvPublic.attributes !== (ATTRIBUTES | TPMA_NV.WRITTEN) >>> 0 || pub.nvPublic.dataSize !== 8) throw new VtpmStateError(`${label} in this host's TPM is not a counted rollback anchor (attributes 0x${pub.nvPublic.attributes.toString(16)}): it cannot anchor VM ${vmId}'s vTPM state`);
  const { data } = await host.client.run(NV_Read, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index }, auth: OWNER, params: { size: 8, offset: 0 } });
  return { anchor: { index, name: Buffer.from(pub.nvName) }, value: data.readBigUInt64BE(0) };
}

/** Counts the anchor up to `generation` (never down); returns whether it moved. */
export async function advanceVtpmAnchor(host: Host, index: number, generation: bigint, vmId: string): Promise<boolean> {
  let { value } = await readVtpmAnchor(host, index, vmId);
  const moved = value < generation;
  for (; value < generation; value++) await host.client.run(NV_Increment, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index }, auth: OWNER, params: {} });
  return moved;
}

/**
 * Call once `record` is stored durably: the VM's anchor counts up to the record's vTPM generation,
 * so every older copy of the state is refused from now on. Writing first and counting after means
 * a crash in between leaves a state one generation ahead of the counter, which still opens.
 */
export function raiseVtpmAnchor(host: Host, record: { config: { vmId: string }; vtpmAnchor: number; vtpmGeneration: bigint }): Promise<boolean> {
  return advanceVtpmAnchor(host, record.vtpmAnchor, record.vtpmGeneration, record.config.vmId);
}

/**
 * The VM left this host for good (moved away, dropped, deleted): its counter is counted once more
 * (past a state written but not yet counted) and deleted. The TPM keeps the highest deleted count,
 * so a counter later re-created at this handle starts above every state this one anchored.
 */
export async function releaseVtpmAnchor(host: Host, index: number): Promise<void> {
  if (!isVtpmAnchorIndex(index)) return;
  const exists = await host.client.run(NV_ReadPublic, { handles: { nvIndex: index }, params: {} }).then(() => true, () => false);
  if (!exists) return;
  await host.client.run(NV_Increment, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index }, auth: OWNER, params: {} });
  await host.client.run(NV_UndefineSpace, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index }, auth: OWNER, params: {} });
}
