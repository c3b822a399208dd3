import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVtpmCommand } from '../lib/vtpmProcess.js';
import { TestHost, vtpmOk, writePskFile } from './support/hostProcess.js';

/** Every file under `dir`, recursively (sockets and the like skipped). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return filesUnder(path);
    return e.isFile() ? [path] : [];
  });
}

/** The files under `dir` that hold `needle` (a plaintext the host must never store). */
const filesHolding = (dir: string, needle: Buffer): string[] => filesUnder(dir).filter((f) => readFileSync(f).includes(needle));

/** VM id -> state, from `vtpm vm list --json`. */
async function vmStates(host: TestHost): Promise<Map<string, string>> {
  const list = JSON.parse(await vtpmOk(['vm', 'list', '--host-dir', host.dir, '--json'])) as { vmId: string; state: string }[];
  return new Map(list.map((v) => [v.vmId, v.state]));
}

/**
 * The story of issue 8 with every host a `vtpm host serve` process of its own: A and B booted
 * the approved chain, C a different one (tampered). The VM's guest writes a secret on A; the
 * migration to C is refused naming the PCRs and leaves the VM running on A untouched; the
 * migration to B moves it, the secret reads back there, and no host's files hold the plaintext.
 */
describe('vtpm vm migrate between host daemons in separate processes', function () {
  this.timeout(180_000);
  let root: string;
  let a: TestHost;
  let b: TestHost;
  let c: TestHost;
  let policyFile: string;
  const secret = Buffer.concat([Buffer.from('tenant secret '), randomBytes(34)]);
  /** Past the bytes DirtyingWorkload writes in a page (16 bytes at offsets 0-3199): the guest's writes never touch it. */
  const SECRET_GPA = 0x1d00;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'vtpm-migrate-cli-'));
    const psk = writePskFile(root);
    [a, b, c] = await Promise.all([TestHost.create(root, 'A', 2790, psk), TestHost.create(root, 'B', 2791, psk), TestHost.create(root, 'C', 2792, psk, '2.0')]);
    await Promise.all([a.serve(), b.serve(), c.serve()]);
    policyFile = join(root, 'policy.json');
    await vtpmOk(['host', 'policy', '--host-dir', a.dir, '--id', 'hypervisor-1.0', '--out', policyFile]);
    writeFileSync(join(root, 'secret.bin'), secret);
  });
  after(async () => {
    await Promise.all([a, b, c].map((h) => h?.stop()));
    rmSync(root, { recursive: true, force: true });
  });

  it('the daemons listen where asked and say so', () => {
    expect(a.daemon!.line).to.include(`listening on ${a.address}`).and.include(join(a.dir, 'run', 'host.sock'));
    expect(c.daemon!.line).to.include(`listening on ${c.address}`);
  });

  it('a migration to the tampered host C is refused naming the failing PCRs; the VM runs on in A, memory unchanged', async () => {
    await vtpmOk(['vm', 'create', '--host-dir', a.dir, 'vm1', '--pages', '128']);
    await vtpmOk(['vm', 'start', '--host-dir', a.dir, 'vm1']);
    await vtpmOk(['vm', 'write', '--host-dir', a.dir, 'vm1', '--gpa', String(SECRET_GPA), '--data-file', join(root, 'secret.bin')]);
    const before = (await vtpmOk(['vm', 'hash', '--host-dir', a.dir, 'vm1'])).trim();
    // Independent oracle: zero memory (a fresh VM's guest view) with the secret at SECRET_GPA.
    const expected = Buffer.alloc(128 * 4096);
    secret.copy(expected, SECRET_GPA);
    expect(before).to.equal(createHash('sha256').update(expected).digest('hex'));

    // The PCRs that differ between A and C, from their own status, not from the migration.
    const pcrsOf = async (h: TestHost) => (JSON.parse(await vtpmOk(['host', 'status', '--host-dir', h.dir, '--json'])) as { pcrs: Record<string, string> }).pcrs;
    const [pa, pc] = [await pcrsOf(a), await pcrsOf(c)];
    const differing = Object.keys(pa).filter((k) => pa[k] !== pc[k]).map(Number).sort((x, y) => x - y);
    expect(differing.length).to.be.greaterThan(0);

    const refused = await runVtpmCommand(['vm', 'migrate', '--host-dir', a.dir, 'vm1', '--to', c.address, '--policy', policyFile], 60_000);
    expect(refused.code, refused.stderr).to.equal(1);
    expect(refused.stdout).to.equal('');
    expect(refused.stderr).to.include('pcr-mismatch');
    expect(refused.stderr).to.include(`failing PCRs: ${differing.join(', ')}`);
    expect(refused.stderr).to.include('keeps running on the source');

    expect((await vmStates(a)).get('vm1')).to.equal('running');
    expect((await vmStates(c)).has('vm1')).to.equal(false);
    expect((await vtpmOk(['vm', 'hash', '--host-dir', a.dir, 'vm1'])).trim()).to.equal(before);
    const read = await vtpmOk(['vm', 'read', '--host-dir', a.dir, 'vm1', '--gpa', String(SECRET_GPA), '--length', String(secret.length)]);
    expect(read.trim()).to.equal(secret.toString('hex'));
  });

  it('a live migration to B (guest writing) shows progress, reports, and B reads the secret; A no longer has the VM', async () => {
    const dumpA = join(root, 'dump-a.bin');
    await vtpmOk(['vm', 'dump', '--host-dir', a.dir, 'vm1', '--out', dumpA]);
    await vtpmOk(['vm', 'workload', '--host-dir', a.dir, 'vm1', '--pages-per-tick', '4', '--interval-ms', '2']);
    const r = await runVtpmCommand(['vm', 'migrate', '--host-dir', a.dir, 'vm1', '--to', b.address, '--policy', policyFile, '--max-downtime', '300'], 60_000);
    expect(r.code, r.stderr).to.equal(0);
    // Not a TTY: one progress line per round / phase, each with a bar.
    const progress = r.stderr.split('\n').filter((l) => /^\[[#.]+\] +\d+% /.test(l));
    expect(progress.length, r.stderr).to.be.greaterThan(1);
    expect(progress.some((l) => l.includes(' pre-copy round 1 '))).to.equal(true);
    expect(progress.at(-1)).to.match(/100% done /);
    expect(r.stdout).to.match(/^migrated +vm1 to 127\.0\.0\.1:2791 \(migration epoch \d+\)$/m);
    for (const label of ['total time', 'downtime', 'rounds', 'pages sent', 'bytes sent', 'throughput']) expect(r.stdout).to.match(new RegExp(`^${label} +\\S`, 'm'));
    expect(r.stdout).to.match(/^attestation +ok \(policy hypervisor-1\.0\)/m);
    const pagesSent = Number(/^pages sent +(\d+)$/m.exec(r.stdout)![1]);
    expect(pagesSent).to.be.at.least(128);

    expect((await vmStates(a)).has('vm1'), 'A still lists vm1').to.equal(false);
    expect((await vmStates(b)).get('vm1')).to.equal('running');
    const read = await vtpmOk(['vm', 'read', '--host-dir', b.dir, 'vm1', '--gpa', String(SECRET_GPA), '--length', String(secret.length)]);
    expect(read.trim()).to.equal(secret.toString('hex'));
    const onA = await runVtpmCommand(['vm', 'read', '--host-dir', a.dir, 'vm1', '--gpa', '0', '--length', '16']);
    expect(onA.code).to.equal(1);

    const dumpB = join(root, 'dump-b.bin');
    await vtpmOk(['vm', 'dump', '--host-dir', b.dir, 'vm1', '--out', dumpB]);
    for (const dump of [dumpA, dumpB]) {
      expect(statSync(dump).size).to.be.greaterThan(128 * 4096);
      expect(readFileSync(dump).includes(secret), `${dump} holds the secret`).to.equal(false);
      expect(readFileSync(dump).includes(secret.subarray(0, 14)), `${dump} holds 'tenant secret'`).to.equal(false);
    }
    // C never had the VM: its dump is refused and writes nothing.
    const dumpC = join(root, 'dump-c.bin');
    const onC = await runVtpmCommand(['vm', 'dump', '--host-dir', c.dir, 'vm1', '--out', dumpC]);
    expect(onC.code).to.equal(1);
    expect(existsSync(dumpC)).to.equal(false);
    // No host keeps the plaintext anywhere in its files (memory files, records, journals).
    for (const h of [a, b, c]) expect(filesHolding(h.dir, secret.subarray(0, 14)), `plaintext in ${h.name}'s files`).to.deep.equal([]);
  });
});
