import { expect } from 'chai';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOT_COMPONENT_PCR, PAGE_SIZE, deriveVmSubkey } from '@vtpm/hypervisor';
import { runMigrationDemo, type MigrationDemoResult } from '../src/migration/migrationDemo.js';

/** A recognisable secret that no other test data could contain by chance. */
const secretFor = (label: string) => Buffer.from(`demo test secret ${label} ${randomBytes(12).toString('hex')}`);

/** The memory section of a hypervisor admin snapshot, parsed here ("VTPMSNAP", u32 header length, JSON header, sections in header order). */
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

/** Whether a process with this id still exists (signal 0 probes without delivering anything). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The daemons' pids, from the narration's "NAME (pid N): ..." lines. */
const daemonPids = (r: MigrationDemoResult) => [...r.lines.join('\n').matchAll(/^ {3}[ABC] \(pid (\d+)\): /gm)].map((m) => Number(m[1]));

describe('demo: the migration story on host daemon processes (npm run demo)', function () {
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
      expect(r.lines.at(-1)).to.match(/^Result: OK \(\d+ checks passed\)$/);
      expect(r.checks.length).to.be.greaterThan(15);
    });

    it('ran A, B and C as vtpm host serve processes with PSK authentication, each on its own directory and port, and stopped them all', () => {
      const text = r.lines.join('\n');
      expect(text).to.contain(`work directory (WORK below): ${workDir}`);
      for (const [i, name] of ['A', 'B', 'C'].entries()) {
        expect(text).to.contain(`${name}: vtpm host init --host-dir WORK/${name} --ca WORK/manufacturer-ca`);
        const serve = `vtpm host serve --host-dir WORK/${name} --listen 127.0.0.1:${2881 + i} --psk-file WORK/hosts.psk --identity ${name} --broker http://127.0.0.1:2880 --host-id ${name}`;
        expect(text).to.match(new RegExp(`^ {3}${name} \\(pid \\d+\\): ${serve.replace(/[.]/g, '\\.')}\n {5}host daemon for WORK/${name} listening on 127\\.0\\.0\\.1:${2881 + i} for migrations \\(peers authenticated by pre-shared key\\)`, 'm'));
      }
      expect(text).to.contain('A: vtpm host boot --host-dir WORK/A --chain-version 1.0');
      expect(text).to.contain('C: vtpm host boot --host-dir WORK/C --chain-version 1.0 --replace hypervisorKernel=WORK/unapproved-hypervisorKernel.bin');
      for (const name of ['A', 'B', 'C']) expect(text).to.contain(`${name}: vtpm broker host enrol --host-dir WORK/${name} --host-id ${name} --url http://127.0.0.1:2880 --admin-token-file WORK/broker-admin.token`);
      expect(text).to.contain('pre-shared key the demo wrote to WORK/hosts.psk');
      expect(readFileSync(join(workDir, 'hosts.psk'), 'utf8').trim()).to.match(/^[0-9a-f]{64}$/);
      const pids = daemonPids(r);
      expect(pids).to.have.length(3);
      expect(new Set([...pids, process.pid]).size).to.equal(4);
      for (const pid of pids) expect(processAlive(pid), `daemon ${pid} still running`).to.equal(false);
    });

    it('the move to C is refused in attestation, naming exactly the PCRs where C differs from A (the kernel PCR); the broker refuses C too', () => {
      const [a, c] = ['A', 'C'].map((n) => r.hosts.find((h) => h.name === n)!.pcrs);
      const differing = Object.keys(a!).map(Number).filter((pcr) => a![pcr] !== c![pcr]);
      expect(differing).to.deep.equal([BOOT_COMPONENT_PCR.hypervisorKernel]);
      expect(r.refusal).to.include({ phase: 'attestation', reason: 'pcr-mismatch', brokerReason: 'pcr-mismatch' });
      expect(r.refusal!.failingPcrs).to.deep.equal(differing);
      expect(r.refusal!.message).to.contain(`PCR ${BOOT_COMPONENT_PCR.hypervisorKernel}`);
      expect(r.lines.join('\n')).to.contain('PCR 9 (hypervisorKernel)');
    });

    it('the secret reads back on B, vm1 is listed on B only, and the guest kept writing', () => {
      expect(r.secretReadOnB?.equals(secret)).to.equal(true);
      expect(r.vmsAfter).to.deep.equal({ A: [], B: ['vm1'], C: [] });
      expect(r.guestWrites).to.be.greaterThan(0);
    });

    it('the report is consistent with the VM it moved', () => {
      const m = r.migration!.report;
      expect(r.migration!.keyRelease).to.equal('broker');
      expect(m.vmId).to.equal('vm1');
      expect(m.destination).to.equal('127.0.0.1:2882');
      expect(m.attestation.ok).to.equal(true);
      expect(m.rounds).to.be.at.least(1);
      expect(m.pagesSent).to.be.at.least(memoryPages); // round 1 sends every page
      expect(m.bytesSent).to.be.greaterThan(m.pagesSent * PAGE_SIZE); // each page plus its record header and tag
      expect(m.downtimeMs).to.be.greaterThan(0).and.lessThan(m.totalMs);
      expect(m.throughputMBps).to.be.closeTo(m.bytesSent / 1e6 / (m.totalMs / 1000), m.throughputMBps * 0.01);
      expect(r.lines.join('\n')).to.match(new RegExp(`rounds\\s+${m.rounds}\\n`));
    });

    it('drew the shared progress bar one line per round or phase (not a TTY), ending at 100% done', () => {
      expect(progress.length).to.equal(r.migration!.progressLines);
      expect(progress.length).to.be.at.least(2); // a pre-copy round, then stop-and-copy / done
      for (const line of progress) expect(line).to.match(/^\[[#.]+\] +\d+% \S+ round \d+ .*\n$/);
      expect(new Set(progress).size).to.equal(progress.length);
      expect(progress.at(-1)).to.match(/100% done /);
    });

    it('no dump holds the secret, the VM key or its memory subkey, yet they hold the VM memory encrypted under that key; hosts without the VM dump nothing', () => {
      expect(r.dumps.map((d) => `${d.host} ${d.moment} ${d.file ? 'file' : 'refused'}`)).to.deep.equal(['A before migration file', 'B after migration file', 'C after refusal refused', 'A after migration refused']);
      const secretPage = Math.floor(r.secretGpa / PAGE_SIZE);
      for (const f of r.dumps.flatMap((d) => (d.file ? [d.file] : []))) {
        const bytes = readFileSync(f.path);
        expect(bytes.length).to.equal(f.bytes);
        for (const needle of [secret, tenantKey, deriveVmSubkey(tenantKey, 'vm1', 'memoryXts')]) expect(bytes.indexOf(needle), f.path).to.equal(-1);
        expect(f.found).to.deep.equal([]);
        // control: the same bytes, decrypted with the tenant's key, do contain the secret
        const memory = snapshotMemory(f.path);
        expect(memory.length).to.equal(memoryPages * PAGE_SIZE);
        expect(decryptPage(memory, tenantKey, 'vm1', secretPage).indexOf(secret)).to.equal(r.secretGpa % PAGE_SIZE);
      }
      expect(r.controlDecryption?.offset).to.equal(r.secretGpa % PAGE_SIZE);
      for (const d of r.dumps.filter((x) => !x.file)) expect(existsSync(join(workDir, `${d.host}-${d.moment.replace(/\W+/g, '-')}-vm1.snapshot`))).to.equal(false);
    });
  });

  it('fails, naming what failed, when B is not an approved host either; the VM stays on A', async () => {
    const r = await runMigrationDemo({ basePort: 2885, memoryPages: 64, tamper: { B: 'bootLoader', C: 'hypervisorKernel' } });
    expect(r.ok).to.equal(false);
    expect(r.lines.at(-1)).to.match(/^Result: FAILED: .*Live migration of vm1 to B/);
    expect(r.failed.map((f) => f.detail).join('\n')).to.contain(`PCR ${BOOT_COMPONENT_PCR.bootLoader}`);
    expect(r.vmsAfter).to.deep.equal({ A: ['vm1'], B: [], C: [] });
    expect(existsSync(r.workDir)).to.equal(false);
    for (const pid of daemonPids(r)) expect(processAlive(pid), `daemon ${pid} still running`).to.equal(false);
  });
});
