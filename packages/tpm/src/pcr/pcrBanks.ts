import { HASH_ALGORITHMS, hash, hashAlgorithm } from '../crypto/hashAlgorithms.js';
import { LIMITS } from '../structures/basic.js';
import { PCR_ATTRIBUTES } from './pcrAttributes.js';

/** The PCR banks: one array of digests per active hash, the pending allocation and the update counter. */
export class PcrBanks {
  private banks = new Map<number, Buffer[]>();
  /** Active banks (PCR_Allocate takes effect at the next TPM Reset). */
  allocated: Map<number, Buffer>;
  /** The allocation that becomes active at the next TPM Reset. */
  pendingAllocation: Map<number, Buffer>;
  updateCounter = 0;
  /** A PCR_Allocate succeeded since the last TPM Reset (the reference's g_pcrReConfig): Shutdown(STATE) is refused. */
  reconfigured = false;

  constructor() {
    // swtpm's default: all four banks, all 24 PCRs.
    const all = () => new Map(HASH_ALGORITHMS.map((h) => [h.alg, Buffer.from([0xff, 0xff, 0xff])] as const));
    this.allocated = all();
    this.pendingAllocation = all();
  }

  /** TPM Reset (and Restart): apply a pending allocation, PCRs to their initial values. `locality` of Startup sets PCR 0's last byte when 3. */
  resetAll(startupLocality = 0, preserveSaved?: Map<number, Buffer[]>): void {
    this.allocated = new Map([...this.pendingAllocation].map(([k, v]) => [k, Buffer.from(v)]));
    this.reconfigured = false;
    this.banks.clear();
    this.updateCounter = 0;
    const initialized = new Set<number>();
    for (const [alg, bitmap] of this.allocated) {
      const size = hashAlgorithm(alg).size;
      const bank: Buffer[] = [];
      for (let i = 0; i < LIMITS.PCR_COUNT; i++) {
        const saved = preserveSaved?.get(alg)?.[i];
        if (!(bitmap[i >> 3]! & (1 << (i & 7)))) bank.push(Buffer.alloc(0));
        else if (saved && PCR_ATTRIBUTES[i]!.stateSave) bank.push(Buffer.from(saved));
        else {
          bank.push(Buffer.alloc(size, PCR_ATTRIBUTES[i]!.drtm ? 0xff : 0));
          initialized.add(i);
        }
      }
      if (startupLocality === 3 && bank[0]!.length && !preserveSaved) bank[0]![size - 1] = 3;
      this.banks.set(alg, bank);
    }
    // Setting a PCR's initial value is a change like any other (libtpms reports 20 after Startup(CLEAR)).
    for (const pcr of initialized) this.changed(pcr);
  }

  isAllocated(alg: number, pcr: number): boolean {
    const bitmap = this.allocated.get(alg);
    return !!bitmap && pcr < LIMITS.PCR_COUNT && (bitmap[pcr >> 3]! & (1 << (pcr & 7))) !== 0;
  }

  read(alg: number, pcr: number): Buffer {
    return this.banks.get(alg)![pcr]!;
  }

  /** PCR[pcr] = H(PCR[pcr] || digest) in one bank; a bank or PCR not allocated is left alone. */
  extend(alg: number, pcr: number, digest: Uint8Array): void {
    if (!this.isAllocated(alg, pcr)) return;
    const bank = this.banks.get(alg)!;
    bank[pcr] = hash(alg, bank[pcr]!, digest);
  }

  /** Sets a PCR to zero in every bank (PCR_Reset). */
  reset(pcr: number): void {
    for (const [alg, bank] of this.banks) if (this.isAllocated(alg, pcr)) bank[pcr] = Buffer.alloc(hashAlgorithm(alg).size);
  }

  /** A change to `pcr` happened: bump the counter unless the profile exempts it. */
  changed(pcr: number): void {
    if (!PCR_ATTRIBUTES[pcr]!.noIncrement) this.updateCounter = (this.updateCounter + 1) >>> 0;
  }

  /** Puts back banks as `snapshot` gave them (state blobs); the allocation is set separately. */
  restoreBanks(banks: Map<number, Buffer[]>): void {
    this.banks = new Map([...banks].map(([alg, bank]) => [alg, bank.map((b) => Buffer.from(b))]));
  }

  /** A copy of every bank, for Shutdown(STATE) and state blobs. */
  snapshot(): Map<number, Buffer[]> {
    return new Map([...this.banks].map(([alg, bank]) => [alg, bank.map((b) => Buffer.from(b))]));
  }
}
