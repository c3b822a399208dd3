import { TPM_ALG } from '../constants/alg.js';
import { TPM_CC } from '../constants/cc.js';
import { digestSize, hash } from '../crypto/hashAlgorithms.js';
import { AUDITED_BY_DEFAULT } from '../capability/commandAttributes.js';

const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

/**
 * Command audit (Part 1, 36.4 "Command Audit"; the reference's CommandAudit.c): which commands are
 * audited, the audit hash and counter (persistent), and the running audit digest, which a TPM Reset
 * clears. For each successful audited command the digest becomes H(digest || cpHash || rpHash);
 * when a new digest starts, the counter goes up, so that a verifier sees every restart of the log.
 */
export class CommandAudit {
  /** Audited command codes (gp.auditCommands); SetCommandCodeAuditStatus is audited from manufacture on. */
  private readonly audited = new Set<number>([...AUDITED_BY_DEFAULT].map((name) => TPM_CC[name]));
  /** gp.auditHashAlg: the reference starts with its context integrity hash, SHA-512. */
  hashAlg: number = TPM_ALG.SHA512;
  /** gp.auditCounter: the number of audit digests started. */
  counter = 0n;
  /** gr.commandAuditDigest; empty until the next audited command starts a new one. */
  digest: Buffer = Buffer.alloc(0);
  /** The audit hash just changed: the command that changed it is not audited (the reference's size-1 digest). */
  private hashChanged = false;

  /** The command that changed the audit hash is still running: it is not audited (state blobs). */
  get hashJustChanged(): boolean {
    return this.hashChanged;
  }
  set hashJustChanged(v: boolean) {
    this.hashChanged = v;
  }

  /** State blobs: exactly these commands audited. */
  restoreAudited(commandCodes: number[]): void {
    this.audited.clear();
    for (const cc of commandCodes) this.audited.add(cc);
  }

  isAudited(commandCode: number): boolean {
    return this.audited.has(commandCode);
  }

  /** Audited command codes, ascending. */
  auditedCommands(): number[] {
    return [...this.audited].sort((a, b) => a - b);
  }

  /** CommandAuditSet: only implemented commands, never Shutdown. True when this changed the list. */
  set(commandCode: number, implemented: boolean): boolean {
    if (!implemented || commandCode === TPM_CC.Shutdown || this.audited.has(commandCode)) return false;
    this.audited.add(commandCode);
    return true;
  }

  /** CommandAuditClear: SetCommandCodeAuditStatus stays audited. True when this changed the list. */
  clear(commandCode: number): boolean {
    if (commandCode === TPM_CC.SetCommandCodeAuditStatus) return false;
    return this.audited.delete(commandCode);
  }

  /** A new audit hash: the digest starts over with the next audited command after this one. */
  changeHash(hashAlg: number): void {
    this.hashAlg = hashAlg;
    this.digest = Buffer.alloc(0);
    this.hashChanged = true;
  }

  /** CommandAuditGetDigest: H(the audited command codes, ascending, as UINT32). */
  commandDigest(): Buffer {
    return hash(this.hashAlg, ...this.auditedCommands().map(u32));
  }

  /** GetCommandAuditDigest signed the digest, or a TPM Reset: the next audited command starts a new one. */
  restart(): void {
    this.digest = Buffer.alloc(0);
  }

  /** Extends the digest with a successful audited command (cpHash and rpHash with `hashAlg`). */
  record(cpHash: Buffer, rpHash: Buffer): void {
    if (this.hashChanged) {
      this.hashChanged = false;
      return;
    }
    if (this.digest.length === 0) {
      this.digest = Buffer.alloc(digestSize(this.hashAlg));
      this.counter++;
    }
    this.digest = hash(this.hashAlg, this.digest, cpHash, rpHash);
  }
}
