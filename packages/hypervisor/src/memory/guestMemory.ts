import { defaultPageCrypto } from './defaultPageCrypto.js';
import { DirtyPageBitmap } from './dirtyPageBitmap.js';
import { PageFile } from './pageFile.js';
import { PageIntegrityError } from './pageIntegrityError.js';
import { PAGE_SIZE, pageOf } from './pageGeometry.js';
import type { PageCryptoBackend } from './pageCryptoBackend.js';

/**
 * `xts`: confidentiality only, as AMD SME/SEV and Intel TME-MK (tweak = guest page number, so equal
 * plaintext in two pages differs in ciphertext). A modified, moved or replayed page decrypts to
 * garbage without any error. `gcm`: AES-256-GCM per page with nonce and AAD gpa || version, the
 * version going up on every write, so tampering is detected on the next read.
 */
export type MemoryEncryptionMode = 'xts' | 'gcm';

export interface GuestMemoryOptions {
  pageCount: number;
  mode?: MemoryEncryptionMode;
  /** 64 bytes for xts, 32 for gcm (derived from the VM key with deriveVmSubkey). */
  key: Buffer;
  backend?: PageCryptoBackend;
  /**
   * Durable memory (xts only): every page write also goes to this file, at the page's offset.
   * `resume: true` starts from the file's ciphertext (an earlier run of the same VM, same key)
   * instead of zeros; `false` creates or truncates it.
   */
  backingFile?: GuestMemoryBackingFile;
  /**
   * Starting content instead of zeros: ciphertext under this memory's key (a migration's staged
   * pages), taken over, not copied (no copy of the whole memory while a migrated guest is paused);
   * the memory owns it from here and scrubs it on stop.
   */
  ciphertext?: Buffer;
  /**
   * gcm only, with `ciphertext`: the tags and per-page versions that came with those pages by
   * migration (exportIntegrityForMigration on the source), taken over like the ciphertext. This
   * is the hardware's migration path (SEV-SNP's PSP, TDX's migration TD) moving the integrity
   * metadata through a protected channel; the migration stream's AEAD stands for that channel.
   * Nothing else may hand versions in: the host would roll pages back.
   */
  migratedIntegrity?: MigratedIntegrity;
}

/** gcm integrity metadata of whole pages: 16-byte tags and a version per page (the nonce's counter). */
export interface MigratedIntegrity {
  tags: Buffer;
  versions: Uint32Array;
}

export interface GuestMemoryBackingFile {
  path: string;
  resume: boolean;
  /**
   * With `ciphertext`: the file already holds exactly that ciphertext (a migration wrote the pages
   * through as they arrived), so it is adopted as it is instead of being written again while the
   * guest is paused.
   */
  holdsCiphertext?: boolean;
}

/** What the host physically holds for this guest: all an administrator can copy or change. */
export interface HostMemoryView {
  readonly ciphertext: Buffer;
  /** GCM tags, 16 bytes per page (empty in xts mode). */
  readonly tags: Buffer;
}

/**
 * A guest's RAM, kept encrypted in host memory. Guest reads and writes go through here and see
 * plaintext; the host sees `hostView()`. The per-page version counters stand for the integrity
 * metadata hardware keeps out of the host's reach (SEV-SNP's RMP, TDX's MACs): they are not part of
 * the host view.
 */
export class GuestMemory {
  readonly pageCount: number;
  readonly mode: MemoryEncryptionMode;
  readonly dirty: DirtyPageBitmap;
  private readonly key: Buffer;
  private readonly backend: PageCryptoBackend;
  private readonly ciphertext: Buffer;
  private readonly tags: Buffer;
  private readonly versions: Uint32Array;
  private readonly file?: PageFile;
  private scrubbed = false;

  constructor(options: GuestMemoryOptions) {
    this.mode = options.mode ?? 'xts';
    const keyLength = this.mode === 'xts' ? 64 : 32;
    if (options.key.length !== keyLength) throw new Error(`guest memory in ${this.mode} mode needs a ${keyLength}-byte key, got ${options.key.length}`);
    if (!Number.isInteger(options.pageCount) || options.pageCount <= 0) throw new Error(`pageCount must be a positive integer, got ${options.pageCount}`);
    this.pageCount = options.pageCount;
    this.key = Buffer.from(options.key); // own copy: scrub() must not depend on the caller
    this.backend = options.backend ?? defaultPageCrypto();
    this.ciphertext = options.ciphertext ?? Buffer.alloc(this.pageCount * PAGE_SIZE);
    const { backingFile, ciphertext, migratedIntegrity } = options;
    if ((backingFile || (ciphertext && !migratedIntegrity)) && this.mode !== 'xts') {
      // The versions stand for integrity metadata out of the host's reach: on disk or handed in, the host could roll pages back.
      throw new Error(`guest memory in gcm mode cannot be ${backingFile ? 'file-backed' : 'loaded from ciphertext'}: its per-page versions must stay out of the host's reach; use xts for durable VMs (a migrated gcm VM arrives with migratedIntegrity)`);
    }
    if (migratedIntegrity) checkMigratedIntegrity(migratedIntegrity, this.mode, this.pageCount, ciphertext);
    this.tags = migratedIntegrity?.tags ?? Buffer.alloc(this.mode === 'gcm' ? this.pageCount * 16 : 0);
    this.versions = migratedIntegrity?.versions ?? new Uint32Array(this.mode === 'gcm' ? this.pageCount : 0);
    this.dirty = new DirtyPageBitmap(this.pageCount);
    if (ciphertext && ciphertext.length !== this.pageCount * PAGE_SIZE) throw new Error(`starting ciphertext of ${ciphertext.length} bytes does not fit guest memory of ${this.pageCount * PAGE_SIZE}`);
    if (backingFile?.resume && ciphertext) throw new Error('guest memory starts either from its backing file (resume) or from given ciphertext, not both');
    if (backingFile?.resume) {
      this.file = PageFile.resume(backingFile.path, this.ciphertext);
    } else {
      if (backingFile?.holdsCiphertext && ciphertext) this.file = PageFile.adopt(backingFile.path, this.ciphertext.length);
      else if (backingFile) this.file = PageFile.create(backingFile.path);
      if (ciphertext) {
        if (!backingFile?.holdsCiphertext) this.file?.write(0, this.ciphertext);
      } else {
        // Power-on RAM reads as zeros to the guest; the host sees it encrypted like any other page.
        this.writePages(0, Buffer.alloc(this.ciphertext.length));
      }
    }
    this.dirty.takeDirty();
  }

  get sizeBytes(): number {
    return this.pageCount * PAGE_SIZE;
  }

  get backendName(): string {
    return this.backend.name;
  }

  /** Guest read of `length` bytes at guest physical address `gpa`, across pages. */
  read(gpa: number, length: number): Buffer {
    this.checkRange(gpa, length);
    if (length === 0) return Buffer.alloc(0);
    const first = pageOf(gpa);
    const pages = this.readPages(first, pageOf(gpa + length - 1) - first + 1);
    const out = Buffer.from(pages.subarray(gpa - first * PAGE_SIZE, gpa - first * PAGE_SIZE + length));
    pages.fill(0);
    return out;
  }

  /** Guest write at `gpa`, across pages; partial pages are read, merged and re-encrypted. */
  write(gpa: number, data: Uint8Array): void {
    this.checkRange(gpa, data.length);
    if (data.length === 0) return;
    const first = pageOf(gpa);
    const count = pageOf(gpa + data.length - 1) - first + 1;
    const offset = gpa - first * PAGE_SIZE;
    const whole = offset === 0 && data.length === count * PAGE_SIZE;
    const pages = whole ? Buffer.from(data.buffer, data.byteOffset, data.length) : this.readPages(first, count);
    if (!whole) pages.set(data, offset);
    this.writePages(first, pages);
    if (!whole) pages.fill(0);
  }

  /** Batch read: `count` whole pages from `firstPage`, decrypted in one backend call. */
  readPages(firstPage: number, count: number): Buffer {
    // Unpooled and fully overwritten (or zeroed on an integrity failure) before it is returned.
    return this.readPagesInto(firstPage, Buffer.allocUnsafeSlow(count * PAGE_SIZE));
  }

  /** Batch read into the caller's buffer (reused across calls: no allocation per batch); its length sets the page count. */
  readPagesInto(firstPage: number, plain: Buffer): Buffer {
    if (plain.length % PAGE_SIZE) throw new Error(`readPagesInto takes whole 4 KiB pages, got ${plain.length} bytes`);
    const count = plain.length / PAGE_SIZE;
    this.checkPages(firstPage, count);
    const src = this.ciphertext.subarray(firstPage * PAGE_SIZE, (firstPage + count) * PAGE_SIZE);
    if (this.mode === 'xts') {
      this.backend.xts(false, this.key, firstPage, src, plain);
      return plain;
    }
    const failed = this.backend.gcm(false, this.key, this.nonces(firstPage, count), src, plain, this.tags.subarray(firstPage * 16, (firstPage + count) * 16));
    if (failed >= 0) {
      plain.fill(0);
      throw new PageIntegrityError(firstPage + failed);
    }
    return plain;
  }

  /** Batch write: whole pages from `firstPage` (data.length a multiple of 4 KiB), marked dirty. */
  writePages(firstPage: number, data: Uint8Array): void {
    if (data.length % PAGE_SIZE) throw new Error(`writePages takes whole 4 KiB pages, got ${data.length} bytes`);
    const count = data.length / PAGE_SIZE;
    this.checkPages(firstPage, count);
    const src = Buffer.from(data.buffer, data.byteOffset, data.length);
    const dst = this.ciphertext.subarray(firstPage * PAGE_SIZE, (firstPage + count) * PAGE_SIZE);
    if (this.mode === 'xts') {
      this.backend.xts(true, this.key, firstPage, src, dst);
      this.file?.write(firstPage * PAGE_SIZE, dst);
    } else {
      for (let p = firstPage; p < firstPage + count; p++) this.versions[p]!++; // a fresh nonce for every write
      this.backend.gcm(true, this.key, this.nonces(firstPage, count), src, dst, this.tags.subarray(firstPage * 16, (firstPage + count) * 16));
    }
    this.dirty.markRange(firstPage, count);
  }

  /** The host's own memory for this guest (live, not a copy): ciphertext and tags only. */
  hostView(): HostMemoryView {
    return { ciphertext: this.ciphertext, tags: this.tags };
  }

  /**
   * MIGRATION ONLY: copies of the tags and versions of `pages` (gcm), for the migration stream's
   * AEAD-protected page batch, the software stand-in for the hardware's migration path (see
   * GuestMemoryOptions.migratedIntegrity). Copies: the live versions stay out of the host's reach.
   */
  exportIntegrityForMigration(pages: readonly number[]): MigratedIntegrity {
    if (this.mode !== 'gcm') throw new Error(`guest memory in ${this.mode} mode has no integrity metadata to migrate`);
    const tags = Buffer.alloc(pages.length * 16);
    const versions = new Uint32Array(pages.length);
    pages.forEach((page, i) => {
      this.checkPages(page, 1);
      this.tags.copy(tags, i * 16, page * 16, page * 16 + 16);
      versions[i] = this.versions[page]!;
    });
    return { tags, versions };
  }

  /**
   * Reads every page once and throws PageIntegrityError at the first that does not authenticate
   * (gcm; xts has nothing to check): a migrated VM's import check before it may run.
   */
  checkIntegrity(): void {
    if (this.mode !== 'gcm') return;
    const scratch = Buffer.allocUnsafeSlow(64 * PAGE_SIZE);
    try {
      for (let page = 0; page < this.pageCount; page += 64) this.readPagesInto(page, scratch.subarray(0, Math.min(64, this.pageCount - page) * PAGE_SIZE));
    } finally {
      scratch.fill(0);
    }
  }

  /** The backing file, if this memory is durable. */
  get backingFilePath(): string | undefined {
    return this.file?.path;
  }

  /** Overwrites key, ciphertext and metadata with zeros and deletes the backing file (VM stopped or moved away); the memory is unusable after. */
  scrub(): void {
    this.file?.remove();
    this.forget();
  }

  /** Like scrub, but keeps the backing file for a later resume (the VM leaves this process, not the host). */
  release(): void {
    this.file?.close();
    this.forget();
  }

  private forget(): void {
    this.key.fill(0);
    this.ciphertext.fill(0);
    this.tags.fill(0);
    this.versions.fill(0);
    this.scrubbed = true;
  }

  /** 12 bytes per page: gpa (u64 BE) || version (u32 BE), the GCM nonce and its AAD. */
  private nonces(firstPage: number, count: number): Buffer {
    const n = Buffer.alloc(12 * count);
    for (let i = 0; i < count; i++) {
      const gpa = (firstPage + i) * PAGE_SIZE;
      n.writeUInt32BE(Math.floor(gpa / 2 ** 32), 12 * i);
      n.writeUInt32BE(gpa >>> 0, 12 * i + 4);
      n.writeUInt32BE(this.versions[firstPage + i]!, 12 * i + 8);
    }
    return n;
  }

  private checkPages(firstPage: number, count: number): void {
    if (this.scrubbed) throw new Error('guest memory was scrubbed when its VM stopped');
    if (!Number.isInteger(firstPage) || !Number.isInteger(count) || firstPage < 0 || count < 0 || firstPage + count > this.pageCount) {
      throw new RangeError(`pages ${firstPage}..${firstPage + count - 1} are outside guest memory (${this.pageCount} pages)`);
    }
  }

  private checkRange(gpa: number, length: number): void {
    if (!Number.isInteger(gpa) || !Number.isInteger(length) || gpa < 0 || length < 0 || gpa + length > this.sizeBytes) {
      throw new RangeError(`guest range 0x${gpa.toString(16)}+${length} is outside guest memory (${this.sizeBytes} bytes)`);
    }
  }
}

function checkMigratedIntegrity(integrity: MigratedIntegrity, mode: MemoryEncryptionMode, pageCount: number, ciphertext: Buffer | undefined): void {
  if (mode !== 'gcm' || !ciphertext) throw new Error(`migratedIntegrity goes with gcm memory started from migrated ciphertext, not ${mode} memory${ciphertext ? '' : ' without ciphertext'}`);
  if (integrity.tags.length !== pageCount * 16 || integrity.versions.length !== pageCount) {
    throw new Error(`migratedIntegrity holds ${integrity.tags.length} tag bytes and ${integrity.versions.length} versions for ${pageCount} pages, expected ${pageCount * 16} and ${pageCount}`);
  }
}
