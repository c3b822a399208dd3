import { createHash } from 'node:crypto';
import { EV } from './eventTypes.js';
import type { EventLog } from './eventLog.js';
import { LOG_HASH_ALGORITHMS } from './hashAlgorithms.js';
import { STARTUP_LOCALITY_SIGNATURE } from './structures.js';

/** PCR values recomputed from a log: bank (TPM_ALG_ID) -> PCR index -> value. Only PCRs the log touches. */
export type ReplayedPcrs = Map<number, Map<number, Buffer>>;

/**
 * Recomputes the PCRs a log describes, independently of any TPM: each bank starts from its reset
 * value and is extended with the log's digests in order (PCR = H(PCR || digest)). Banks whose hash
 * node:crypto cannot compute are left out.
 */
export function replayEventLog(log: EventLog): ReplayedPcrs {
  const replayed: ReplayedPcrs = new Map();
  for (const { algorithmId, digestSize } of log.specId.digestSizes) {
    const alg = LOG_HASH_ALGORITHMS.find((a) => a.algorithmId === algorithmId);
    if (!alg) continue;
    const pcrs = new Map<number, Buffer>();
    const current = (pcr: number) => pcrs.get(pcr) ?? Buffer.alloc(digestSize);

    for (const e of log.events) {
      if (e.eventType === EV.NO_ACTION) {
        // A Startup at locality 3 or 4 leaves that locality in PCR 0's last byte (TPM Part 1, 34.3; PFP 10.4.5.3).
        if (e.pcrIndex === 0 && !pcrs.has(0) && e.event.subarray(0, 16).equals(STARTUP_LOCALITY_SIGNATURE) && e.event.length >= 17) {
          pcrs.set(0, withLastByte(digestSize, e.event[16]!));
        }
        continue;
      }
      const d = e.digests.find((x) => x.algorithmId === algorithmId);
      if (!d) continue;
      // An H-CRTM measurement starts PCR 0 from ...04 instead of zero (TPM Part 1, 34.3).
      const start = e.eventType === EV.EFI_HCRTM_EVENT && e.pcrIndex === 0 && !pcrs.has(0) ? withLastByte(digestSize, 4) : current(e.pcrIndex);
      pcrs.set(e.pcrIndex, createHash(alg.name).update(start).update(d.digest).digest());
    }
    replayed.set(algorithmId, pcrs);
  }
  return replayed;
}

function withLastByte(size: number, value: number): Buffer {
  const b = Buffer.alloc(size);
  b[size - 1] = value;
  return b;
}
