import { TPMA_NV, TPMA_NV_TPM_NT_SHIFT } from '../constants/attributes.js';
import { marshal } from '../codec/codec.js';
import { hash } from '../crypto/hashAlgorithms.js';
import { TPMS_NV_PUBLIC, type NvPublic } from '../structures/nvPublic.js';

export type NvAttribute = keyof typeof TPMA_NV;

/** TPM_NT of an attribute word (bits 4..7). */
export const nvTypeOf = (attributes: number): number => (attributes >>> TPMA_NV_TPM_NT_SHIFT) & 0xf;

/**
 * A defined NV index (Part 1, 37): its public area, authValue and data. The public area's
 * attributes change (WRITTEN, the locks), and with them the Name.
 */
export class NvIndex {
  private pub: NvPublic;
  /** The data area, dataSize octets; meaningful once WRITTEN is set. */
  data: Buffer;
  /** ORDERLY indices: data and attributes as last saved to NV (what an unorderly startup gets back). */
  saved: { data: Buffer; attributes: number } | null = null;

  constructor(
    pub: NvPublic,
    public authValue: Buffer,
  ) {
    this.pub = { ...pub, authPolicy: Buffer.from(pub.authPolicy) };
    this.data = Buffer.alloc(pub.dataSize);
  }

  get handle(): number {
    return this.pub.nvIndex;
  }
  get nameAlg(): number {
    return this.pub.nameAlg;
  }
  get attributes(): number {
    return this.pub.attributes;
  }
  set attributes(v: number) {
    this.pub.attributes = v >>> 0;
  }
  get authPolicy(): Buffer {
    return this.pub.authPolicy;
  }
  get dataSize(): number {
    return this.pub.dataSize;
  }
  /** TPM_NT: ordinary, counter, bits, extend, PIN fail or PIN pass. */
  get type(): number {
    return nvTypeOf(this.pub.attributes);
  }
  /** TPMA_NV_NO_DA: authorization failures with the index's authValue do not count toward lockout. */
  get noDA(): boolean {
    return this.has('NO_DA');
  }

  has(attribute: NvAttribute): boolean {
    return (this.pub.attributes & TPMA_NV[attribute]) !== 0;
  }

  set(attribute: NvAttribute, on = true): void {
    this.attributes = on ? this.pub.attributes | TPMA_NV[attribute] : this.pub.attributes & ~TPMA_NV[attribute];
  }

  /** TPMS_NV_PUBLIC as it is now (NV_ReadPublic answers it). */
  publicArea(): NvPublic {
    return { ...this.pub, authPolicy: Buffer.from(this.pub.authPolicy) };
  }

  /** nameAlg || H_nameAlg(TPMS_NV_PUBLIC) (Part 1, 16): it follows every attribute change. */
  name(): Buffer {
    const alg = Buffer.alloc(2);
    alg.writeUInt16BE(this.pub.nameAlg);
    return Buffer.concat([alg, hash(this.pub.nameAlg, marshal(TPMS_NV_PUBLIC, this.pub))]);
  }

  /** The data as one UINT64 (counter, bits, PIN indices); 0 before the first write. */
  get uint64(): bigint {
    return this.has('WRITTEN') ? this.data.readBigUInt64BE(0) : 0n;
  }

  /**
   * Writes `bytes` at `offset` and sets WRITTEN (NvStore.write wraps it with the NV bookkeeping).
   * The first write clears the rest of the index as the reference does: erased NV reads 0xff,
   * the RAM of an ORDERLY index 0x00.
   */
  write(offset: number, bytes: Buffer): void {
    if (!this.has('WRITTEN')) {
      this.data.fill(this.has('ORDERLY') ? 0x00 : 0xff);
      this.set('WRITTEN');
    }
    bytes.copy(this.data, offset);
  }

  read(offset: number, size: number): Buffer {
    return Buffer.from(this.data.subarray(offset, offset + size));
  }

  /** Copies the RAM-held (ORDERLY) state to its NV image. */
  save(): void {
    this.saved = { data: Buffer.from(this.data), attributes: this.pub.attributes };
  }
}
