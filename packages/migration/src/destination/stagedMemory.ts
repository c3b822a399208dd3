import { rmSync } from 'node:fs';
import { PAGE_SIZE, PageFile, type GuestMemoryBackingFile, type MemoryEncryptionMode, type MigratedIntegrity } from '@vtpm/hypervisor';
import type { StreamRecord } from '../channel/recordCipher.js';
import { installPageBatch } from '../transfer/pageBatch.js';

/**
 * An incoming VM's memory while it arrives: the ciphertext pages as sent (under the VM's memory
 * key), in the buffer the VM's GuestMemory later takes over, and on a durable host also in the
 * VM's memory file, written as each page arrives. A gcm VM's tags and versions are staged beside
 * them, in memory only (never on disk: the host could roll pages back). Nothing is left to copy or
 * write while the guest is paused: downtime does not grow with memory size.
 */
export class StagedMemory {
  readonly ciphertext: Buffer;
  /** gcm only: the tags and versions that arrived with the pages. */
  readonly integrity?: MigratedIntegrity;
  private file?: PageFile;
  /** One flag per page that arrived: discard() zeroes those only, so memory never written is never touched (committed). */
  private readonly installed: Uint8Array;

  constructor(pageCount: number, private readonly backingFile?: GuestMemoryBackingFile, mode: MemoryEncryptionMode = 'xts') {
    if (mode === 'gcm' && backingFile) throw new Error('a gcm VM cannot be staged into a memory file: its per-page versions must not reach the disk');
    this.ciphertext = Buffer.alloc(pageCount * PAGE_SIZE);
    if (mode === 'gcm') this.integrity = { tags: Buffer.alloc(pageCount * 16), versions: new Uint32Array(pageCount) };
    this.installed = new Uint8Array(pageCount);
    if (backingFile) this.file = PageFile.createSized(backingFile.path, this.ciphertext.length);
  }

  /** A single-page record. */
  installPage(record: StreamRecord): void {
    const { body, gpa } = record;
    if (this.integrity) throw new Error(`page record for gpa 0x${gpa.toString(16)}: a gcm VM's pages arrive in page batches, with their tags and versions`);
    if (body.length !== PAGE_SIZE || gpa % PAGE_SIZE || gpa + PAGE_SIZE > this.ciphertext.length) throw new Error(`page record for gpa 0x${gpa.toString(16)} is outside the VM`);
    body.copy(this.ciphertext, gpa);
    this.installed[gpa / PAGE_SIZE] = 1;
    this.file?.write(gpa, body);
  }

  /** A page-batch record (installPageBatch checks its page list). */
  installBatch(record: StreamRecord): void {
    installPageBatch(record, this.ciphertext, (offset, length) => {
      this.installed.fill(1, offset / PAGE_SIZE, (offset + length) / PAGE_SIZE);
      this.file?.write(offset, this.ciphertext.subarray(offset, offset + length));
    }, this.integrity);
  }

  /** What RunningVm.arrive takes to run on these pages: the buffer itself and, if durable, the file that already holds them. */
  handOver(): { ciphertext: Buffer; migratedIntegrity?: MigratedIntegrity; backingFile?: GuestMemoryBackingFile } {
    this.file?.close();
    this.file = undefined;
    return {
      ciphertext: this.ciphertext,
      ...(this.integrity ? { migratedIntegrity: this.integrity } : {}),
      ...(this.backingFile ? { backingFile: { ...this.backingFile, holdsCiphertext: true } } : {}),
    };
  }

  /**
   * The migration failed before a VM took the pages over: zero the pages that arrived and delete
   * the file. Zeroing the whole buffer would commit memory a hostile hello only claimed (GiBs).
   */
  discard(): void {
    for (let page = this.installed.indexOf(1); page >= 0; page = this.installed.indexOf(1, page)) {
      const end = this.installed.indexOf(0, page);
      const last = end < 0 ? this.installed.length : end;
      this.ciphertext.fill(0, page * PAGE_SIZE, last * PAGE_SIZE);
      this.integrity?.tags.fill(0, page * 16, last * 16);
      this.integrity?.versions.fill(0, page, last);
      this.installed.fill(0, page, last);
      page = last;
    }
    this.file?.close();
    this.file = undefined;
    if (this.backingFile) rmSync(this.backingFile.path, { force: true });
  }
}
