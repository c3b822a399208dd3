import { TPM_RH } from '../constants/handles.js';
import { TPM_RC } from '../constants/rc.js';
import { HASH_ALGORITHMS, hash } from '../crypto/hashAlgorithms.js';
import { fail } from '../errors.js';
import { PCR_ATTRIBUTES, localityBit } from '../pcr/pcrAttributes.js';
import { implement } from '../pipeline/handler.js';
import { LIMITS } from '../structures/basic.js';
import { selectedPcrs } from '../structures/pcrSelection.js';
import { PCR_Allocate, PCR_Event, PCR_Extend, PCR_Read, PCR_Reset } from '../spec/pcr.js';
import type { Tpm } from '../tpm.js';
import type { TpmtHa } from '../structures/basic.js';

export function checkExtendAllowed(pcr: number, locality: number): void {
  if (!(PCR_ATTRIBUTES[pcr]!.extendLocality & localityBit(locality))) fail(TPM_RC.LOCALITY, `PCR ${pcr} cannot be extended from locality ${locality}`);
}

/** Extends each digest into its bank (unallocated banks ignored); each bank extended counts as a change, as in libtpms. */
export function extendPcr(tpm: Tpm, pcr: number, digests: readonly TpmtHa[]): void {
  for (const d of digests) {
    if (!tpm.pcrs.isAllocated(d.hashAlg, pcr)) continue;
    tpm.pcrs.extend(d.hashAlg, pcr, d.digest);
    tpm.pcrs.changed(pcr);
  }
}

/** The event digests in every implemented bank (PCR_Event and EventSequenceComplete answer all of them). */
export function eventDigests(data: Buffer): TpmtHa[] {
  return HASH_ALGORITHMS.map((h) => ({ hashAlg: h.alg, digest: hash(h.alg, data) }));
}

export const pcrRead = implement(PCR_Read, (tpm, { params }) => {
  const pcrValues: Buffer[] = [];
  // Part 3, 22.4: selections are filtered to allocated PCRs; at most 8 digests, PCRs that did not fit are deselected.
  const pcrSelectionOut = params.pcrSelectionIn.map((sel) => {
    const bitmap = Buffer.from(sel.pcrSelect);
    for (const pcr of selectedPcrs(sel.pcrSelect)) {
      const keep = tpm.pcrs.isAllocated(sel.hash, pcr) && pcrValues.length < LIMITS.MAX_DIGEST_LIST;
      if (keep) pcrValues.push(tpm.pcrs.read(sel.hash, pcr));
      else bitmap[pcr >> 3]! &= ~(1 << (pcr & 7));
    }
    return { hash: sel.hash, pcrSelect: bitmap };
  });
  return { pcrUpdateCounter: tpm.pcrs.updateCounter, pcrSelectionOut, pcrValues };
});

export const pcrExtend = implement(PCR_Extend, (tpm, { handles, params, locality }) => {
  if (handles.pcrHandle === TPM_RH.NULL) return {};
  checkExtendAllowed(handles.pcrHandle, locality);
  extendPcr(tpm, handles.pcrHandle, params.digests);
  return {};
});

export const pcrEvent = implement(PCR_Event, (tpm, { handles, params, locality }) => {
  const pcr = handles.pcrHandle;
  if (pcr !== TPM_RH.NULL) checkExtendAllowed(pcr, locality);
  const digests = eventDigests(params.eventData);
  if (pcr !== TPM_RH.NULL) extendPcr(tpm, pcr, digests);
  return { digests };
});

export const pcrReset = implement(PCR_Reset, (tpm, { handles, locality }) => {
  const pcr = handles.pcrHandle;
  if (!(PCR_ATTRIBUTES[pcr]!.resetLocality & localityBit(locality))) fail(TPM_RC.LOCALITY, `PCR ${pcr} cannot be reset from locality ${locality}`);
  tpm.pcrs.reset(pcr);
  tpm.pcrs.changed(pcr);
  return {};
});

export const pcrAllocate = implement(PCR_Allocate, (tpm, { params }) => {
  // Part 3, 22.5: banks not named keep their allocation; a bank can be turned off entirely, but
  // at least one bank must remain and the request must not name a bank twice.
  const next = new Map([...tpm.pcrs.pendingAllocation].map(([k, v]) => [k, Buffer.from(v)]));
  const seen = new Set<number>();
  for (const sel of params.pcrAllocation) {
    if (seen.has(sel.hash)) fail(TPM_RC.PCR, 'bank listed twice');
    seen.add(sel.hash);
    const bitmap = Buffer.alloc(LIMITS.PCR_SELECT_MAX);
    sel.pcrSelect.copy(bitmap, 0, 0, Math.min(sel.pcrSelect.length, bitmap.length));
    next.set(sel.hash, bitmap);
  }
  const anyActive = [...next.values()].some((b) => b.some((x) => x !== 0));
  const sizeNeeded = [...next].reduce((n, [alg, b]) => n + selectedPcrs(b).length * HASH_ALGORITHMS.find((h) => h.alg === alg)!.size, 0);
  const sizeAvailable = LIMITS.PCR_COUNT * HASH_ALGORITHMS.reduce((n, h) => n + h.size, 0);
  const allocationSuccess = anyActive && sizeNeeded <= sizeAvailable;
  if (allocationSuccess) {
    tpm.pcrs.pendingAllocation = next;
    tpm.pcrs.reconfigured = true;
  }
  return { allocationSuccess, maxPCR: LIMITS.PCR_COUNT, sizeNeeded, sizeAvailable };
});
