import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestMemory, PAGE_SIZE } from '@vtpm/hypervisor';
import { RECORD, encodePageBatch, pageBatchScratch } from '../src/index.js';
import { StagedMemory } from '../src/destination/stagedMemory.js';

describe('StagedMemory: an incoming VM written through to its memory file as pages arrive', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vtpm-staged-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const pages = 32;
  const source = randomBytes(pages * PAGE_SIZE); // stands for the source's XTS ciphertext
  const batch = (list: number[], seq = 1n) => ({ type: RECORD.pageBatch, seq, round: 1, gpa: list[0]! * PAGE_SIZE, body: Buffer.from(encodePageBatch(source, list, pageBatchScratch())) });
  const page = (p: number) => ({ type: RECORD.page, seq: 1n, round: 1, gpa: p * PAGE_SIZE, body: source.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE) });

  it('the file holds every page the moment it is installed; the VM memory adopts file and buffer without rewriting', () => {
    const path = join(dir, 'vm1.mem');
    const staged = new StagedMemory(pages, { path, resume: false });
    staged.installBatch(batch([0, 1, 2, 5, 6, 9]));
    const file = readFileSync(path);
    expect(file.length).to.equal(pages * PAGE_SIZE);
    for (const p of [0, 1, 2, 5, 6, 9]) expect(file.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE).equals(source.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE)), `page ${p}`).to.equal(true);
    expect(file.subarray(3 * PAGE_SIZE, 4 * PAGE_SIZE).every((b) => b === 0)).to.equal(true);
    for (let p = 0; p < pages; p++) if (![0, 1, 2, 5, 6, 9].includes(p)) staged.installPage(page(p));
    expect(readFileSync(path).equals(source)).to.equal(true);
    const handed = staged.handOver();
    expect(handed.backingFile).to.deep.equal({ path, resume: false, holdsCiphertext: true });
    const memory = new GuestMemory({ pageCount: pages, key: randomBytes(64), ...handed });
    expect(memory.hostView().ciphertext).to.equal(handed.ciphertext); // taken over, not copied
    memory.write(3 * PAGE_SIZE, Buffer.from('after the move'));
    expect(readFileSync(path).subarray(3 * PAGE_SIZE, 4 * PAGE_SIZE).equals(memory.hostView().ciphertext.subarray(3 * PAGE_SIZE, 4 * PAGE_SIZE))).to.equal(true);
    memory.scrub();
    expect(existsSync(path)).to.equal(false);
  });

  it('a page outside the VM is refused; discard zeroes the pages and deletes the file', () => {
    const path = join(dir, 'vm2.mem');
    const staged = new StagedMemory(pages, { path, resume: false });
    staged.installPage(page(4));
    expect(() => staged.installPage({ ...page(0), gpa: pages * PAGE_SIZE })).to.throw(/outside the VM/);
    staged.discard();
    expect(existsSync(path)).to.equal(false);
    expect(staged.ciphertext.every((b) => b === 0)).to.equal(true);
  });

  it('a memory file of another size is not adopted', () => {
    const path = join(dir, 'vm3.mem');
    const staged = new StagedMemory(pages, { path, resume: false });
    const handed = staged.handOver();
    expect(() => new GuestMemory({ pageCount: pages * 2, key: randomBytes(64), ciphertext: Buffer.alloc(pages * 2 * PAGE_SIZE), backingFile: handed.backingFile })).to.throw(/holds \d+ bytes, the VM has \d+/);
  });

  it('without a backing file (in-process host) it stages in memory only', () => {
    const staged = new StagedMemory(pages);
    staged.installBatch(batch([7]));
    expect(staged.ciphertext.subarray(7 * PAGE_SIZE, 8 * PAGE_SIZE).equals(source.subarray(7 * PAGE_SIZE, 8 * PAGE_SIZE))).to.equal(true);
    expect(staged.handOver()).to.deep.equal({ ciphertext: staged.ciphertext });
  });
});
