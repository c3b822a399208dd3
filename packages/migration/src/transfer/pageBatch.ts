import { PAGE_SIZE, type MemoryEncryptionMode, type MigratedIntegrity } from '@vtpm/hypervisor';
import { RecordRejectedError, type StreamRecord } from '../channel/recordCipher.js';

/**
 * One pageBatch record carries up to 64 guest pages (256 KiB): per-record costs (a GCM context,
 * a header, a frame, an await) are paid once per batch instead of once per page.
 *
 * Body: count u16 | count x page number u32, strictly ascending | count x 4 KiB page ciphertext,
 * and for a gcm VM then | count x 16-byte tag | count x version u32 (the receiver knows the mode
 * from the hello's config). The page list is inside the AEAD-protected body, so every page's guest
 * address is authenticated together with the record's seq and round: changing a page number in
 * flight, or moving a page to another slot, fails authentication like any other modification.
 * Tags and versions likewise never leave the source outside the stream's AEAD.
 * The record header's gpa is the first page's address (kept consistent, checked on receipt).
 */
export const MAX_BATCH_PAGES = 64;

const COUNT_BYTES = 2;
const PAGE_NUMBER_BYTES = 4;
const TAG_BYTES = 16;
const VERSION_BYTES = 4;

const integrityBytes = (mode: MemoryEncryptionMode) => (mode === 'gcm' ? TAG_BYTES + VERSION_BYTES : 0);

export const pageBatchBodyBytes = (count: number, mode: MemoryEncryptionMode = 'xts') => COUNT_BYTES + count * (PAGE_NUMBER_BYTES + PAGE_SIZE + integrityBytes(mode));

/** Calls `run` for each stretch of consecutive page numbers (one copy per stretch: round 1 is one stretch per batch). */
function forEachRun(pages: readonly number[], run: (firstPage: number, count: number, index: number) => void): void {
  for (let i = 0; i < pages.length; ) {
    let j = i + 1;
    while (j < pages.length && pages[j] === pages[j - 1]! + 1) j++;
    run(pages[i]!, j - i, i);
    i = j;
  }
}

/** A buffer encodePageBatch can reuse for every batch (a fresh 256 KiB per record costs page faults and GC). */
export const pageBatchScratch = (mode: MemoryEncryptionMode = 'xts') => Buffer.alloc(pageBatchBodyBytes(MAX_BATCH_PAGES, mode));

/**
 * The body of one batch: `pages` (ascending, at most 64) copied out of the host's ciphertext into
 * `scratch` (see pageBatchScratch); returns the part of it used, valid until the next call.
 * `integrity` (gcm): those pages' tags and versions, in the same order (exportIntegrityForMigration).
 */
export function encodePageBatch(ciphertext: Buffer, pages: readonly number[], scratch: Buffer, integrity?: MigratedIntegrity): Buffer {
  const count = pages.length;
  if (count < 1 || count > MAX_BATCH_PAGES) throw new RangeError(`a page batch holds 1 to ${MAX_BATCH_PAGES} pages, got ${count}`);
  if (integrity && (integrity.tags.length !== count * TAG_BYTES || integrity.versions.length !== count)) throw new RangeError(`integrity metadata for ${integrity.versions.length} pages does not fit a batch of ${count}`);
  const body = scratch.subarray(0, pageBatchBodyBytes(count, integrity ? 'gcm' : 'xts'));
  body.writeUInt16BE(count, 0);
  for (let i = 0; i < count; i++) body.writeUInt32BE(pages[i]!, COUNT_BYTES + i * PAGE_NUMBER_BYTES);
  const pagesAt = COUNT_BYTES + count * PAGE_NUMBER_BYTES;
  forEachRun(pages, (first, n, index) => ciphertext.copy(body, pagesAt + index * PAGE_SIZE, first * PAGE_SIZE, (first + n) * PAGE_SIZE));
  if (integrity) {
    const tagsAt = pagesAt + count * PAGE_SIZE;
    integrity.tags.copy(body, tagsAt);
    const versionsAt = tagsAt + count * TAG_BYTES;
    for (let i = 0; i < count; i++) body.writeUInt32BE(integrity.versions[i]!, versionsAt + i * VERSION_BYTES);
  }
  return body;
}

/**
 * Checks a received batch against the VM's memory size and copies its pages into `staged` (the
 * VM's future host ciphertext). Refuses, naming what is wrong, a body whose length, count, page
 * order or range does not add up. Returns the number of pages installed. With `integrity` (a gcm
 * VM's staged tags and versions, whole memory) the body must carry them and they are staged too.
 */
export function installPageBatch(record: StreamRecord, staged: Buffer, installed?: (offset: number, length: number) => void, integrity?: MigratedIntegrity): number {
  const { body } = record;
  const refuse = (what: string) => new RecordRejectedError(`page batch (seq ${record.seq}): ${what}`);
  if (body.length < COUNT_BYTES) throw refuse(`body of ${body.length} octets has no page count`);
  const count = body.readUInt16BE(0);
  if (count < 1 || count > MAX_BATCH_PAGES) throw refuse(`${count} pages, a batch holds 1 to ${MAX_BATCH_PAGES}`);
  const mode = integrity ? 'gcm' : 'xts';
  if (body.length !== pageBatchBodyBytes(count, mode)) throw refuse(`${body.length} octets for ${count} pages, expected ${pageBatchBodyBytes(count, mode)} (a ${mode} VM's batch)`);
  const pageCount = staged.length / PAGE_SIZE;
  const pages = new Array<number>(count);
  for (let i = 0, previous = -1; i < count; i++) {
    const page = body.readUInt32BE(COUNT_BYTES + i * PAGE_NUMBER_BYTES);
    if (page >= pageCount) throw refuse(`page ${page} is outside the VM's ${pageCount} pages`);
    if (page <= previous) throw refuse(`page ${page} follows page ${previous}: pages must be strictly ascending`);
    pages[i] = previous = page;
  }
  if (record.gpa !== pages[0]! * PAGE_SIZE) throw refuse(`header gpa 0x${record.gpa.toString(16)} is not the first page's (page ${pages[0]})`);
  const pagesAt = COUNT_BYTES + count * PAGE_NUMBER_BYTES;
  forEachRun(pages, (first, n, index) => {
    body.copy(staged, first * PAGE_SIZE, pagesAt + index * PAGE_SIZE, pagesAt + (index + n) * PAGE_SIZE);
    installed?.(first * PAGE_SIZE, n * PAGE_SIZE);
  });
  if (integrity) {
    const tagsAt = pagesAt + count * PAGE_SIZE;
    const versionsAt = tagsAt + count * TAG_BYTES;
    pages.forEach((page, i) => {
      body.copy(integrity.tags, page * TAG_BYTES, tagsAt + i * TAG_BYTES, tagsAt + (i + 1) * TAG_BYTES);
      integrity.versions[page] = body.readUInt32BE(versionsAt + i * VERSION_BYTES);
    });
  }
  return count;
}
