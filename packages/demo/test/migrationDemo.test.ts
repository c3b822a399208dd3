import { expect } from 'chai';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOT_COMPONENT_PCR, PAGE_SIZE, deriveVmSubkey } from '@vtpm/hypervisor';
import type { MigrationProgress } from '@vtpm/migration';
import { runMigrationDemo, type MigrationDemoResult } from '../src/migration/migrationDemo.js';
import { progressDisplay } from '../src/migration/progressDisplay.js';

/** A recognisable secret that no other test data could contain by chance. */
const secretFor = (label: string) => Buffer.from(`demo test secret ${label} ${randomBytes(12).toString('hex')}`);

/** The memory section of a hypervisor admin snapshot ("VTPMSNAP", u32 header length, JSON header, sections in header order). */
function snapshotMemory(path: string): Buffer {
  const file = readFileSync(path);
  expect(file.subarray(0, 8).toString()).to.equal('VTPMSNAP');
  const headerLength = file.readUInt32BE(8);
  const header = JSON.parse(file.subarray(12, 12 + headerLength).toString()) as { sections: Array<{ name: string; length: number }> };
  expect(header.sections[0]!.name).to.equal('memory');
  return file.subarray(12 + headerLength, 12 + headerLength + header.sections[0]!.length);
}

/** AES-256-XTS of one page with tweak = LE64(page number), straight from node:crypto: the dump opened with the tenant's key. */
function decryptPage(memory: Buffer, tenantKey: Buffer, vmId: string, page: number): Buffer {
  const tweak = Buffer.alloc(16);
  tweak.writeBigUInt64LE(BigInt(page));
  const d = createDecipheriv('aes-256-xts', deriveVmSubkey(tenantKey, vmId, 'memoryXts'), tweak);
  return Buffer.concat([d.update(memory.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE)), d.final()]);
}

describe('demo: the migration story (npm run demo)', function () {
  this.timeout(120_000);
  const memoryPages = 512;

  describe('on the default hosts (C tampered)', () => {
    const secret = secretFor('default');
    const tenantKey = randomBytes(64);
    const progress: string[] = [];
    let workDir: string;
    let r: MigrationDemoResult;

    before(async () => {
      workDir = mkdtempSync(join(tmpdir(), 'vtpm-demo-migration-test-'));
      r = await runMigrationDemo({ basePort: 2880, workDir, keepFiles: true, memoryPages, secret, tenantKey, progress: { isTTY: false, write: (t) => progress.push(t) } });
    });
    after(() => rmSync(workDir, { recursive: true, force: true }));

    it('passes every check and ends with "Result: OK"', () => {
      expect(r.failed, r.lines.join('\n')).to.deep.equal([]);
      expect(r.ok).to.equal(true);
      expect(r.lines.at(-1)).to.match(/^Result: OK/);
      expect(r.checks.length).to.be.greaterThan(10);
    });

    it('the move to C is refused in attestation, naming exactly the PCRs where C differs from A (the kernel PCR)', () => {
      const [a, c] = ['A', 'C'].map((n) => r.hosts.find((h) => h.name === n)!.pcrs);
      const differing = Object.keys(a!).map(Number).filter((pcr) => a![pcr] !== c![pcr]);
      expect(differing).to.deep.equal([BOOT_COMPONENT_PCR.hypervisorKernel]);
      expect(r.refusal).to.include({ phase: 'attestation', reason: 'pcr-mismatch', brokerReason: 'pcr-mismatch' });
      expect(r.refusal!.failingPcrs).to.deep.equal(differing);
      expect(r.refusal!.message).to.contain(`PCR ${BOOT_COMPONENT_PCR.hypervisorKernel}`);
      expect(r.lines.join('\n')).to.contain('PCR 9 (hypervisorKernel)');
    });

    it('the secret reads back on B, vm1 runs on B only, and A no longer has it', () => {
      expect(r.secretReadOnB?.equals(secret)).to.equal(true);
      expect(r.vmsAfter).to.deep.equal({ A: [], B: ['vm1'], C: [] });
    });

    it('the report is consistent with the VM it moved', () => {
      const m = r.migration!.report;
      expect(m.vmId).to.equal('vm1');
      expect(m.attestation.ok).to.equal(true);
      expect(m.rounds).to.be.at.least(1);
      expect(m.pagesSent).to.be.at.least(memoryPages); // round 1 sends every page
      expect(m.bytesSent).to.be.greaterThan(m.pagesSent * PAGE_SIZE); // each page plus its record header and tag
      expect(m.downtimeMs).to.be.greaterThan(0).and.lessThan(m.totalMs);
      expect(m.throughputMBps).to.be.closeTo(m.bytesSent / 1e6 / (m.totalMs / 1000), m.throughputMBps * 0.01);
      expect(r.lines.join('\n')).to.match(new RegExp(`rounds\\s+${m.rounds}\\n`));
    });

    it('drew the progress bar one line per round (not a TTY)', () => {
      expect(progress.length).to.equal(r.migration!.progressLines);
      expect(progress.length).to.be.at.least(2); // a pre-copy round, then stop-and-copy
      for (const line of progress) expect(line).to.match(/^\[[#.]+\] +\d+% \S+ round \d+ .*\n$/);
      expect(new Set(progress).size).to.equal(progress.length);
    });

    it('no dump file holds the secret, the VM key or its memory subkey, yet the dumps hold the VM memory encrypted under that key', () => {
      const files = r.dumps.flatMap((d) => d.files);
      expect(files.map((f) => `${f.host} ${f.moment}`)).to.deep.equal(['A before migration', 'B after migration']);
      const secretPage = Math.floor(r.secretGpa / PAGE_SIZE);
      for (const f of files) {
        const bytes = readFileSync(f.path);
        expect(bytes.length).to.equal(f.bytes);
        for (const needle of [secret, tenantKey, deriveVmSubkey(tenantKey, 'vm1', 'memoryXts')]) expect(bytes.indexOf(needle), f.path).to.equal(-1);
        expect(f.found).to.deep.equal([]);
        // control: the same bytes, decrypted with the tenant's key, do contain the secret
        const memory = snapshotMemory(f.path);
        expect(memory.length).to.equal(memoryPages * PAGE_SIZE);
        expect(decryptPage(memory, tenantKey, 'vm1', secretPage).indexOf(secret)).to.equal(r.secretGpa % PAGE_SIZE);
      }
    });
  });

  it('fails, naming what failed, when B is not an approved host either', async () => {
    const r = await runMigrationDemo({ basePort: 2885, memoryPages: 64, tamper: { B: 'bootLoader', C: 'hypervisorKernel' } });
    expect(r.ok).to.equal(false);
    expect(r.lines.at(-1)).to.match(/^Result: FAILED: .*Live migration of vm1 to B/);
    expect(r.failed.map((f) => f.detail).join('\n')).to.contain(`PCR ${BOOT_COMPONENT_PCR.bootLoader}`);
    expect(r.vmsAfter).to.deep.equal({ A: ['vm1'], B: [], C: [] });
  });

  it('redraws the progress bar in place on a terminal and ends its line once', () => {
    const written: string[] = [];
    const display = progressDisplay({ isTTY: true, columns: 60, write: (t) => written.push(t) });
    const event = (phase: MigrationProgress['phase'], round: number, pagesSent: number): MigrationProgress =>
      ({ phase, round, roundPages: pagesSent, pagesSent, dirtyPagesPerSecond: 0, remainingDirtyPages: 100 - pagesSent, bytesSent: pagesSent * 4096, elapsedMs: 10 });
    display.update(event('pre-copy', 1, 50));
    display.update(event('pre-copy', 1, 60));
    display.update(event('done', 2, 100));
    expect(display.finish()).to.equal(3);
    expect(display.finish()).to.equal(3);
    expect(written.slice(0, 3).every((w) => w.startsWith('\r[') && w.endsWith('\x1b[K') && w.length - 4 <= 59)).to.equal(true);
    expect(written[0]).to.contain(' 50% pre-copy');
    expect(written[2]).to.contain('100% done');
    expect(written.slice(3)).to.deep.equal(['\n']);
  });
});
