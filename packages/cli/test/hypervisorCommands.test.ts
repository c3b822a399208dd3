import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oneLineFailure, runVtpm, startVtpm } from './cliRunner.js';

describe('vtpm host, vtpm vm', function () {
  this.timeout(60_000);
  let dir: string;
  let host: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vtpm-cli-hv-'));
    host = join(dir, 'host');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('host init manufactures a host TPM, boot measures, status reports PCRs and the event log', async () => {
    const init = await runVtpm(['host', 'init', '--host-dir', host, '--ca', join(dir, 'ca')]);
    expect(init.code, init.stderr).to.equal(0);
    expect(init.stdout).to.match(/1 EK certificate in NV/);
    expect(existsSync(join(host, 'host-tpm.permanent'))).to.equal(true);
    expect(existsSync(join(dir, 'ca', 'ca.pem'))).to.equal(true);
    const notBooted = await runVtpm(['host', 'status', '--host-dir', host]);
    expect(notBooted.stdout).to.include('not booted');
    const boot = await runVtpm(['host', 'boot', '--host-dir', host]);
    expect(boot.code, boot.stderr).to.equal(0);
    for (const pcr of [0, 4, 7, 8, 9]) expect(boot.stdout).to.match(new RegExp(`sha256 +${pcr}: [0-9a-f]{64}`));
    expect(readFileSync(join(host, 'binary_bios_measurements')).length).to.be.greaterThan(1000);
    const status = await runVtpm(['host', 'status', '--host-dir', host, '--json']);
    expect(status.code, status.stderr).to.equal(0);
    const json = JSON.parse(status.stdout) as { booted: boolean; events: number; pcrs: Record<string, string> };
    expect(json.booted).to.equal(true);
    expect(json.events).to.equal(14);
    expect(Object.keys(json.pcrs).sort()).to.deep.equal(['0', '4', '7', '8', '9']);
    expect(boot.stdout).to.include(json.pcrs['9']);
  });

  it('vm create + start with a guest write + dump (ciphertext only, the secret absent) + stop', async () => {
    const create = await runVtpm(['vm', 'create', '--host-dir', host, 'vm1', '--pages', '16']);
    expect(create.code, create.stderr).to.equal(0);
    expect(create.stdout).to.include('sealed by the host TPM to PCRs 0, 4, 7, 8, 9');
    expect(readFileSync(join(host, 'vms', 'vm1.json'), 'utf8')).to.include('"vtpmGeneration": "1"');
    const secret = randomBytes(48);
    writeFileSync(join(dir, 'secret.bin'), secret);
    const vm = await startVtpm(['vm', 'start', '--host-dir', host, 'vm1', '--guest-write', `0x1000=${join(dir, 'secret.bin')}`]);
    try {
      expect(vm.line).to.include('VM vm1 running').and.include('48 bytes written by the guest');
      const again = await runVtpm(['vm', 'start', '--host-dir', host, 'vm1']);
      expect(again.code).to.equal(1);
      expect(oneLineFailure(again)).to.include('already running');
      const snap = join(dir, 'snap.bin');
      const dump = await runVtpm(['vm', 'dump', '--host-dir', host, 'vm1', '--out', snap, '--page', '1']);
      expect(dump.code, dump.stderr).to.equal(0);
      expect(dump.stdout).to.include('ciphertext only');
      const sample = /page 1 ciphertext \(first 32 bytes\): ([0-9a-f]{64})/.exec(dump.stdout)?.[1];
      expect(sample, dump.stdout).to.be.a('string');
      const file = readFileSync(snap);
      expect(file.subarray(0, 8).toString()).to.equal('VTPMSNAP');
      expect(file.length).to.be.greaterThan(16 * 4096);
      // The guest's secret is nowhere in the dump: not in the file, not in what was printed.
      expect(file.indexOf(secret), 'secret in snapshot').to.equal(-1);
      expect(file.indexOf(secret.subarray(0, 16)), 'secret prefix in snapshot').to.equal(-1);
      expect(dump.stdout).not.to.include(secret.toString('hex').slice(0, 16));
      // The page the guest wrote is ciphertext: the printed octets are in the file, and are not the secret.
      expect(file.indexOf(Buffer.from(sample!, 'hex'))).to.be.greaterThan(0);
      expect(sample!.slice(0, 16)).not.to.equal(secret.toString('hex').slice(0, 16));
      const stop = await runVtpm(['vm', 'stop', '--host-dir', host, 'vm1']);
      expect(stop.code, stop.stderr).to.equal(0);
      expect(stop.stdout).to.include('VM vm1 stopped').and.include('generation 2');
      expect(await vm.exit).to.equal(0);
    } finally {
      vm.child.kill('SIGKILL');
    }
    expect(readFileSync(join(host, 'vms', 'vm1.json'), 'utf8')).to.include('"vtpmGeneration": "2"');
    expect(readFileSync(join(host, 'vms', 'vm1.json')).indexOf(secret)).to.equal(-1);
    const stopped = await runVtpm(['vm', 'stop', '--host-dir', host, 'vm1']);
    expect(stopped.code).to.equal(1);
    expect(oneLineFailure(stopped)).to.include('is not running');
  });

  it('SIGTERM stops a started VM; a changed boot makes vm start fail naming the PCR', async () => {
    const vm = await startVtpm(['vm', 'start', '--host-dir', host, 'vm1']);
    vm.child.kill('SIGTERM');
    expect(await vm.exit).to.equal(0);
    expect(readFileSync(join(host, 'vms', 'vm1.json'), 'utf8')).to.include('"vtpmGeneration": "3"');
    expect((await runVtpm(['host', 'boot', '--host-dir', host, '--chain-version', '2.0'])).code).to.equal(0);
    const refused = await runVtpm(['vm', 'start', '--host-dir', host, 'vm1']);
    expect(refused.code).to.equal(1);
    expect(oneLineFailure(refused)).to.match(/^vtpm vm start: VM vm1 cannot start on this host: its boot measurements changed in PCR 0 .*PCR 9/);
  });

  it('usage errors exit 2 with one line; a host directory without a TPM exits 1', async () => {
    const cases: [string[], RegExp][] = [
      [['host'], /^vtpm host: give an action \(init, boot, status, serve, policy\)$/],
      [['host', 'reboot', '--host-dir', host], /unknown action 'reboot'/],
      [['host', 'status'], /^vtpm host status: --host-dir is required/],
      [['host', 'boot', '--host-dir', host, '--seed', '00'], /^vtpm host boot: --seed does not apply here$/],
      [['host', 'init', '--host-dir', host, '--seed', 'xyz'], /--seed: give hex digits/],
      [['vm', 'create', '--host-dir', host, 'vm2'], /^vtpm vm create: --pages is required/],
      [['vm', 'create', '--host-dir', host, 'vm2', '--pages', '4', '--mode', 'ecb'], /--mode: 'ecb' is not xts or gcm/],
      [['vm', 'create', '--host-dir', host, 'bad/id', '--pages', '4'], /VM id 'bad\/id'/],
      [['vm', 'start', '--host-dir', host], /give the VM's id/],
      [['vm', 'start', '--host-dir', host, 'vm1', '--guest-write', 'nofile'], /--guest-write: give GPA=FILE/],
      [['vm', 'dump', '--host-dir', host, 'vm1'], /^vtpm vm dump: --out is required/],
      [['vm', 'stop', '--host-dir', host, 'vm1', '--bogus'], /unrecognized option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = await runVtpm(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(oneLineFailure(r)).to.match(message);
    }
    const empty = await runVtpm(['host', 'boot', '--host-dir', join(dir, 'nothing')]);
    expect(empty.code).to.equal(1);
    expect(oneLineFailure(empty)).to.include('holds no host TPM state');
    const help = await runVtpm(['vm', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^Usage: vtpm vm create\|start\|stop\|dump/);
  });
});
