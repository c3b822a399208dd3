import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVtpmCommand } from '../lib/vtpmProcess.js';
import { TestHost, vtpmOk, writePskFile } from './support/hostProcess.js';

const PAGES = 64;
const SECRET_GPA = 0x1d00;

/** VM id -> state, from `vtpm vm list --json`. */
async function vmStates(host: TestHost): Promise<Map<string, string>> {
  const list = JSON.parse(await vtpmOk(['vm', 'list', '--host-dir', host.dir, '--json'])) as { vmId: string; state: string }[];
  return new Map(list.map((v) => [v.vmId, v.state]));
}

const pcrsOf = async (h: TestHost) => (JSON.parse(await vtpmOk(['host', 'status', '--host-dir', h.dir, '--json'])) as { pcrs: Record<string, string> }).pcrs;

/**
 * Mutual attestation between `vtpm host serve` processes: the destination B runs with
 * --require-source-attestation, so a source must quote PCRs that meet the policy too. A booted
 * the approved chain; T the same chain with its hypervisor kernel replaced (`host boot
 * --replace`). T's VM is refused by B naming the PCR and stays on T untouched; A's VM moves to
 * B; and, as a control, T's VM moves to A, which does not ask for the source's attestation.
 */
describe('mutual attestation: vtpm host serve --require-source-attestation', function () {
  this.timeout(180_000);
  let root: string;
  let a: TestHost;
  let t: TestHost;
  let b: TestHost;
  let policyFile: string;
  const secret = Buffer.concat([Buffer.from('tenant secret '), randomBytes(34)]);
  let hashOnT: string;

  /** A running VM of PAGES pages on `host` whose guest wrote the secret; returns its memory hash, checked against one computed here. */
  async function runVmWithSecret(host: TestHost, vmId: string): Promise<string> {
    await vtpmOk(['vm', 'create', '--host-dir', host.dir, vmId, '--pages', String(PAGES)]);
    await vtpmOk(['vm', 'start', '--host-dir', host.dir, vmId]);
    await vtpmOk(['vm', 'write', '--host-dir', host.dir, vmId, '--gpa', String(SECRET_GPA), '--data-file', join(root, 'secret.bin')]);
    const expected = Buffer.alloc(PAGES * 4096);
    secret.copy(expected, SECRET_GPA);
    const hash = (await vtpmOk(['vm', 'hash', '--host-dir', host.dir, vmId])).trim();
    expect(hash).to.equal(createHash('sha256').update(expected).digest('hex'));
    return hash;
  }
  const readSecret = async (host: TestHost, vmId: string) => (await vtpmOk(['vm', 'read', '--host-dir', host.dir, vmId, '--gpa', String(SECRET_GPA), '--length', String(secret.length)])).trim();

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'vtpm-mutual-attestation-'));
    const psk = writePskFile(root);
    writeFileSync(join(root, 'secret.bin'), secret);
    writeFileSync(join(root, 'patched-kernel.bin'), Buffer.concat([Buffer.from('a patched hypervisor kernel '), randomBytes(64)]));
    [a, t, b] = await Promise.all([
      TestHost.create(root, 'A', 2934, psk),
      TestHost.create(root, 'T', 2935, psk, '1.0', ['--replace', `hypervisorKernel=${join(root, 'patched-kernel.bin')}`]),
      TestHost.create(root, 'B', 2936, psk),
    ]);
    policyFile = join(root, 'policy.json');
    await vtpmOk(['host', 'policy', '--host-dir', a.dir, '--id', 'hypervisor-1.0', '--out', policyFile]);
    await Promise.all([a.serve(), t.serve(), b.serve({}, ['--require-source-attestation', policyFile])]);
  });
  after(async () => {
    await Promise.all([a, t, b].map((h) => h?.stop()));
    rmSync(root, { recursive: true, force: true });
  });

  it("B's listening line says what a source must attest to", () => {
    expect(b.daemon!.line).to.include(`listening on ${b.address} for migrations (peers authenticated by pre-shared key; each source host must attest to policy hypervisor-1.0: PCRs 0, 4, 7, 8, 9)`);
    expect(a.daemon!.line).not.to.include('must attest');
  });

  it('a source whose boot differs (T: replaced kernel) is refused naming the PCRs; the VM keeps running on T, memory unchanged', async () => {
    const [pa, pt] = [await pcrsOf(a), await pcrsOf(t)];
    const differing = Object.keys(pa).filter((k) => pa[k] !== pt[k]).map(Number);
    expect(differing).to.deep.equal([9]);
    hashOnT = await runVmWithSecret(t, 'vmT');

    const r = await runVtpmCommand(['vm', 'migrate', '--host-dir', t.dir, 'vmT', '--to', b.address, '--policy', policyFile], 60_000);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.equal('');
    const line = r.stderr.trim().split('\n').at(-1)!;
    expect(line).to.match(/^vtpm vm migrate: VM vmT not migrated: .*source-attestation-failed: pcr-mismatch: the source's boot measurements differ from policy hypervisor-1\.0 in PCR 9; the VM keeps running on the source/);
    // B appraised T's quote (T's own attestation of B passed): B's log names the PCR too.
    expect(b.daemon!.stderr()).to.match(/incoming vmT: not committed: .*source-attestation-failed: pcr-mismatch: .* in PCR 9/);

    expect((await vmStates(t)).get('vmT')).to.equal('running');
    expect((await vmStates(b)).has('vmT')).to.equal(false);
    expect((await vtpmOk(['vm', 'hash', '--host-dir', t.dir, 'vmT'])).trim()).to.equal(hashOnT);
    expect(await readSecret(t, 'vmT')).to.equal(secret.toString('hex'));
  });

  it('a source that meets the policy (A) migrates to B; the secret reads back there', async () => {
    const hash = await runVmWithSecret(a, 'vmA');
    const r = await runVtpmCommand(['vm', 'migrate', '--host-dir', a.dir, 'vmA', '--to', b.address, '--policy', policyFile], 60_000);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^migrated +vmA to 127\.0\.0\.1:2936 /m).and.match(/^attestation +ok \(policy hypervisor-1\.0\)/m);
    expect((await vmStates(b)).get('vmA')).to.equal('running');
    expect((await vmStates(a)).has('vmA')).to.equal(false);
    expect((await vtpmOk(['vm', 'hash', '--host-dir', b.dir, 'vmA'])).trim()).to.equal(hash);
    expect(await readSecret(b, 'vmA')).to.equal(secret.toString('hex'));
  });

  it('control: the same tampered source migrates to A, which does not require the source\'s attestation', async () => {
    const r = await runVtpmCommand(['vm', 'migrate', '--host-dir', t.dir, 'vmT', '--to', a.address, '--policy', policyFile], 60_000);
    expect(r.code, r.stderr).to.equal(0);
    expect((await vmStates(a)).get('vmT')).to.equal('running');
    expect((await vmStates(t)).has('vmT')).to.equal(false);
    expect((await vtpmOk(['vm', 'hash', '--host-dir', a.dir, 'vmT'])).trim()).to.equal(hashOnT);
  });

  it('a policy file that is missing or not a policy stops the start: exit 1 naming the file', async () => {
    const dir = join(root, 'spare');
    await vtpmOk(['host', 'init', '--host-dir', dir]);
    await vtpmOk(['host', 'boot', '--host-dir', dir]);
    const serve = (file: string) => runVtpmCommand(['host', 'serve', '--host-dir', dir, '--listen', '127.0.0.1:2937', '--no-auth', '--require-source-attestation', file]);
    const missing = await serve(join(root, 'nope.json'));
    expect(missing.code).to.equal(1);
    expect(missing.stderr.trim()).to.equal(`vtpm host serve: --require-source-attestation ${join(root, 'nope.json')}: cannot read it (ENOENT)`);
    writeFileSync(join(root, 'bad.json'), JSON.stringify({ id: 'x', referencePcrs: { 9: 'zz' } }));
    const bad = await serve(join(root, 'bad.json'));
    expect(bad.code).to.equal(1);
    expect(bad.stderr.trim()).to.match(new RegExp(`^vtpm host serve: --require-source-attestation ${join(root, 'bad.json')}: .*; write one with vtpm host policy --host-dir DIR --id ID --out `));
  });
});
