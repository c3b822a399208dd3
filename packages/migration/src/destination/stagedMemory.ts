import { rmSync } from 'node:fs';
import { PAGE_SIZE, PageFile, type GuestMemoryBackingFile } from '@vtpm/hypervisor';
import type { StreamRecord } from '../channel/recordCipher.js';
import { installPageBatch } from '../transfer/pageBatch.js';

/**
 * An incoming VM's memory while it arrives: the ciphertext pages as sent (XTS under the VM's
 * memory key), in the buffer the VM's GuestMemory later takes over, and on a durable host also in
 * the VM's memory file, written as each page arrives. Nothing is left to copy or write while the
 * guest is paused: downtime does not grow with memory size.
 */
export class StagedMemory {
  readonly ciphertext: Buffer;
  private file?: PageFile;

  constructor(pageCount: number, private readonly backingFile?: GuestMemoryBackingFile) {
    this.ciphertext = Buffer.alloc(pageCount * PAGE_SIZE);
    if (backingFile) this.file = PageFile.createSized(backingFile.path, this.ciphertext.length);
  }

  /** A single-page record. */
  installPage(record: StreamRecord): void {
    const { body, gpa } = record;
    if (body.length !== PAGE_SIZE || gpa % PAGE_SIZE || gpa + PAGE_SIZE > this.ciphertext.length) throw new Error(`page record for gpa 0x${gpa.toString(16)} is outside the VM`);
    body.copy(this.ciphertext, gpa);
    this.file?.write(gpa, body);
  }

  /** A page-batch record (installPageBatch checks its page list). */
  installBatch(record: StreamRecord): void {
    installPageBatch(record, this.ciphertext, (offset, length) => this.file?.write(offset, this.ciphertext.subarray(offset, offset + length)));
  }

  /** What RunningVm.start takes to run on these pages: the buffer itself and, if durable, the file that already holds them. */
  handOver(): { ciphertext: Buffer; backingFile?: GuestMemoryBackingFile } {
    this.file?.close();
    this.file = undefined;
    return { ciphertext: this.ciphertext, ...(this.backingFile ? { backingFile: { ...this.backingFile, holdsCiphertext: true } } : {}) };
  }

  /** The migration failed before a VM took the pages over: zero them and delete the file. */
  discard(): void {
    this.ciphertext.fill(0);
    this.file?.close();
    this.file = undefined;
    if (this.backingFile) rmSync(this.backingFile.path, { force: true });
  }
}
