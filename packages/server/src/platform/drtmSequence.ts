import { createHash, type Hash } from 'node:crypto';
import { HASH_ALGORITHMS, hashAlgorithm, type Tpm } from '@vtpm/tpm';
import { PCR_DRTM, PCR_HCRTM, isDrtmResettable } from './drtmPcrs.js';

/** Locality of the _TPM_Hash_* interface (PC Client: only locality 4 can send it). */
const DRTM_LOCALITY = 4;

/** A running _TPM_Hash_Start .. _TPM_Hash_End sequence: one digest per implemented hash. */
interface Sequence {
  hashes: { alg: number; h: Hash }[];
}

/** The sequence of each TPM (the reference keeps it as g_DRTMHandle, an event sequence object). */
const sequences = new WeakMap<Tpm, Sequence>();

/**
 * _TPM_Hash_Start (Part 3, 24.1): starts a DRTM measurement, replacing one in progress, and sets
 * the TPM established flag (as libtpms' TPM2_IO_Hash_Start does).
 */
export function hashStart(tpm: Tpm): void {
  sequences.set(tpm, { hashes: HASH_ALGORITHMS.map((h) => ({ alg: h.alg, h: createHash(h.nodeName) })) });
  tpm.tpmEstablished = true;
}

/** _TPM_Hash_Data (Part 3, 24.2): measured data; ignored without a started sequence. */
export function hashData(tpm: Tpm, data: Uint8Array): void {
  for (const { h } of sequences.get(tpm)?.hashes ?? []) h.update(data);
}

/**
 * _TPM_Hash_End (Part 3, 24.3). After Startup (DRTM): PCRs resettable from locality 4 (17-22) go
 * to zero, PCR 17 is extended with the digest and restartCount counts the event. Before Startup
 * (H-CRTM): PCR 0 becomes 0...04 extended with the digest and the next Startup keeps it.
 * Without a sequence (no Hash_Start, or already ended) nothing happens.
 */
export function hashEnd(tpm: Tpm): void {
  const seq = sequences.get(tpm);
  if (!seq) return;
  sequences.delete(tpm);
  if (tpm.started) {
    for (let pcr = 0; pcr < 24; pcr++) if (isDrtmResettable(pcr)) tpm.pcrs.reset(pcr);
    for (const { alg, h } of seq.hashes) {
      if (!tpm.pcrs.isAllocated(alg, PCR_DRTM)) continue;
      tpm.pcrs.extend(alg, PCR_DRTM, h.digest());
      tpm.pcrs.changed(PCR_DRTM); // the reference's PCRExtend counts each bank (swtpm 0.7.1: +4 with four banks)
    }
    tpm.restartCount++;
    return;
  }
  const pcr0 = new Map<number, Buffer[]>();
  for (const { alg, h } of seq.hashes) {
    if (!tpm.pcrs.isAllocated(alg, PCR_HCRTM)) continue;
    const start = Buffer.alloc(hashAlgorithm(alg).size);
    start[start.length - 1] = DRTM_LOCALITY;
    pcr0.set(alg, [createHash(hashAlgorithm(alg).nodeName).update(start).update(h.digest()).digest()]);
  }
  tpm.hcrtmPcrs = pcr0;
}

/** _TPM_Init discards a sequence in progress (the reference unassigns g_DRTMHandle). */
export function abortHashSequence(tpm: Tpm): void {
  sequences.delete(tpm);
}

/** A _TPM_Hash_Start sequence is open (its hash states cannot be serialized). */
export function hashSequenceInProgress(tpm: Tpm): boolean {
  return sequences.has(tpm);
}
