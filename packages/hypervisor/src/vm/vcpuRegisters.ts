import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The vCPU state a hypervisor would hold in the VMCB/VMCS save area (a representative subset). */
export const REGISTER_NAMES = ['rip', 'rsp', 'rflags', 'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'cr3'] as const;
export type RegisterName = (typeof REGISTER_NAMES)[number];
export type VcpuRegisters = Record<RegisterName, bigint>;

/** The encrypted save area as the host holds it: nonce, ciphertext, tag. */
export interface EncryptedRegisters {
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/**
 * One vCPU's registers, kept encrypted (AES-256-GCM, as SEV-ES encrypts the VMSA) whenever the
 * vCPU is not running. A counter nonce changes on every save; the AAD binds the save area to its
 * VM and vCPU, so one vCPU's state cannot be loaded into another. Nonces are random: the key is
 * derived the same at every start of the VM, and a counter would start over each time (or, restored
 * from a checkpoint, repeat the saves made after it).
 */
export class EncryptedVcpu {
  private saved: EncryptedRegisters;

  /** `saved`: a save area from a checkpoint of this vCPU (checked now); default the power-on state, all zeros. */
  constructor(private readonly key: Buffer, private readonly vmId: string, readonly index: number, saved?: EncryptedRegisters) {
    this.saved = saved ? { nonce: Buffer.from(saved.nonce), ciphertext: Buffer.from(saved.ciphertext), tag: Buffer.from(saved.tag) } : this.encrypt(Object.fromEntries(REGISTER_NAMES.map((n) => [n, 0n])) as VcpuRegisters);
    if (saved) {
      try {
        this.load();
      } catch {
        throw new Error(`the saved state of vCPU ${index} of ${vmId} does not authenticate: modified, or another VM's or vCPU's`);
      }
    }
  }

  /** Guest side: the vCPU exits and its registers are saved. */
  save(registers: VcpuRegisters): void {
    this.saved = this.encrypt(registers);
  }

  /** Guest side: the vCPU resumes with its saved registers. */
  load(): VcpuRegisters {
    const d = createDecipheriv('aes-256-gcm', this.key, this.saved.nonce).setAAD(this.aad()).setAuthTag(this.saved.tag);
    const plain = Buffer.concat([d.update(this.saved.ciphertext), d.final()]);
    const regs = Object.fromEntries(REGISTER_NAMES.map((n, i) => [n, plain.readBigUInt64LE(8 * i)])) as VcpuRegisters;
    plain.fill(0);
    return regs;
  }

  /** Host side: the save area as the host holds it. */
  encryptedState(): EncryptedRegisters {
    return { nonce: Buffer.from(this.saved.nonce), ciphertext: Buffer.from(this.saved.ciphertext), tag: Buffer.from(this.saved.tag) };
  }

  scrub(): void {
    this.key.fill(0);
    this.saved.ciphertext.fill(0);
  }

  private encrypt(registers: VcpuRegisters): EncryptedRegisters {
    const plain = Buffer.alloc(8 * REGISTER_NAMES.length);
    REGISTER_NAMES.forEach((n, i) => plain.writeBigUInt64LE(BigInt.asUintN(64, registers[n]), 8 * i));
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, nonce).setAAD(this.aad());
    const ciphertext = Buffer.concat([c.update(plain), c.final()]);
    plain.fill(0);
    return { nonce, ciphertext, tag: c.getAuthTag() };
  }

  private aad(): Buffer {
    return Buffer.from(`vcpu ${this.index} of ${this.vmId}`);
  }
}
