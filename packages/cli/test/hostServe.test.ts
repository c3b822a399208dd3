import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oneLineFailure, runVtpm, startVtpm } from './cliRunner.js';

describe('vtpm host serve, vtpm host policy, vtpm vm through the daemon', function () {
  this.timeout(120_000);
  let dir: string;
  let host: string;
  let psk: string;
  const PORT = 2795;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vtpm-cli-serve-'));
    host = join(dir, 'host');
    psk = join(dir, 'psk.hex');
    writeFileSync(psk, randomBytes(32).toString('hex'));
    for (const args of [['host', 'init', '--host-dir', host], ['host', 'boot', '--host-dir', host]]) {
      const r = await runVtpm(args);
      expect(r.code, r.stderr).to.equal(0);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('bad flags: exit 2 and one line naming the flag', async () => {
    const serve = ['host', 'serve', '--host-dir', host];
    const listen = ['--listen', `127.0.0.1:${PORT}`];
    const migrate = ['vm', 'migrate', '--host-dir', host, 'vm1'];
    const cases: [string[], RegExp][] = [
      [serve, /^vtpm host serve: --listen is required \(HOST:PORT/],
      [[...serve, '--listen', 'nowhere', '--no-auth'], /^vtpm host serve: --listen: give HOST:PORT \(e\.g\. 127\.0\.0\.1:2790\), not 'nowhere'$/],
      [[...serve, '--listen', '127.0.0.1:70000', '--no-auth'], /--listen: port 70000 is out of range/],
      [[...serve, ...listen], /^vtpm host serve: say how the daemons authenticate each other: give --psk-file FILE, or --cert FILE --key FILE --ca FILE, or --no-auth/],
      [[...serve, ...listen, '--psk-file', psk, '--no-auth'], /--psk-file and --no-auth exclude each other/],
      [[...serve, ...listen, '--max-staged-mib', '0', '--no-auth'], /--max-staged-mib must be from 1 to 16777216 \(MiB\), not 0/],
      [[...serve, ...listen, '--max-staged-mib', 'lots', '--no-auth'], /--max-staged-mib/],
      [[...serve, '--listen', '0.0.0.0:2790', '--no-auth'], /--listen 0\.0\.0\.0:2790 is a wildcard address: add --advertise HOST:PORT/],
      [[...serve, ...listen, '--advertise', '0.0.0.0:2790', '--no-auth'], /--advertise 0\.0\.0\.0:2790: give an address peers can dial, not a wildcard/],
      [[...serve, ...listen, '--advertise', 'nohostport', '--no-auth'], /--advertise: give HOST:PORT/],
      [[...serve, ...listen, '--cert', 'c.pem'], /certificate authentication needs --cert, --key and --ca: --key, --ca missing$/],
      [[...serve, ...listen, '--no-auth', '--broker', 'http://127.0.0.1:2796'], /--broker needs --host-id ID/],
      [[...serve, ...listen, '--no-auth', '--broker', 'ftp://x', '--host-id', 'h1'], /--broker: give http:\/\/HOST:PORT/],
      [[...serve, ...listen, '--no-auth', '--id', 'x'], /^vtpm host serve: --id does not apply here$/],
      [['host', 'policy', '--host-dir', host], /^vtpm host policy: --id is required/],
      [['host', 'policy', '--host-dir', host, '--id', 'a b'], /--id 'a b' may hold letters/],
      [['host', 'boot', '--host-dir', host, '--listen', '127.0.0.1:1'], /^vtpm host boot: --listen does not apply here$/],
      [[...migrate, '--policy', 'p.json'], /^vtpm vm migrate: --to is required \(HOST:PORT of the destination host daemon\)$/],
      [[...migrate, '--to', '127.0.0.1:2791'], /^vtpm vm migrate: --policy is required/],
      [[...migrate, '--to', 'B', '--policy', 'p.json'], /--to: give HOST:PORT/],
      [[...migrate, '--to', '127.0.0.1:2791', '--policy', 'p.json', '--key-release', 'mail'], /--key-release: 'mail' is not stream or broker$/],
      [[...migrate, '--to', '127.0.0.1:2791', '--policy', 'p.json', '--max-downtime', 'soon'], /--max-downtime: invalid number 'soon'/],
      [['vm', 'workload', '--host-dir', host, 'vm1'], /give --pages-per-tick N --interval-ms MS to start the guest's writes, or --stop/],
      [['vm', 'workload', '--host-dir', host, 'vm1', '--stop', '--interval-ms', '5'], /--stop excludes --pages-per-tick and --interval-ms/],
      [['vm', 'read', '--host-dir', host, 'vm1', '--gpa', '0x10'], /^vtpm vm read: --length is required/],
      [['vm', 'read', '--host-dir', host, 'vm1', '--gpa', 'zero', '--length', '4'], /--gpa: give a number \(decimal or 0x hex\), not 'zero'/],
      [['vm', 'write', '--host-dir', host, 'vm1', '--gpa', '0'], /^vtpm vm write: --data-file is required/],
      [['vm', 'list', '--host-dir', host, 'vm1'], /^vtpm vm list: takes no VM id/],
      [['vm', 'hash', '--host-dir', host, 'vm1', '--gpa', '0'], /^vtpm vm hash: --gpa does not apply here$/],
    ];
    for (const [args, message] of cases) {
      const r = await runVtpm(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(oneLineFailure(r)).to.match(message);
      expect(r.stdout).to.equal('');
    }
  });

  it('start-up failures and daemon-only actions without a daemon: exit 1, one line', async () => {
    const short = join(dir, 'short.psk');
    writeFileSync(short, randomBytes(16).toString('hex'));
    const weak = await runVtpm(['host', 'serve', '--host-dir', host, '--listen', `127.0.0.1:${PORT}`, '--psk-file', short]);
    expect(weak.code).to.equal(1);
    expect(oneLineFailure(weak)).to.match(/^vtpm host serve: .*16 octets, fewer than 32/);
    const missing = await runVtpm(['host', 'serve', '--host-dir', host, '--listen', `127.0.0.1:${PORT}`, '--psk-file', join(dir, 'nope')]);
    expect(missing.code).to.equal(1);
    expect(oneLineFailure(missing)).to.include('ENOENT');
    const noHost = await runVtpm(['host', 'serve', '--host-dir', join(dir, 'empty'), '--listen', `127.0.0.1:${PORT}`, '--no-auth']);
    expect(noHost.code).to.equal(1);
    expect(oneLineFailure(noHost)).to.include('vtpm host init');
    const list = await runVtpm(['vm', 'list', '--host-dir', host]);
    expect(list.code).to.equal(1);
    expect(oneLineFailure(list)).to.match(/^vtpm vm list: no host daemon serves .*: start one \(vtpm host serve/);
  });

  it('host policy: the booted host\'s PCRs (as host status reports them), optionally its AK', async () => {
    const status = JSON.parse((await runVtpm(['host', 'status', '--host-dir', host, '--json'])).stdout) as { pcrs: Record<string, string> };
    const r = await runVtpm(['host', 'policy', '--host-dir', host, '--id', 'hv-1.0']);
    expect(r.code, r.stderr).to.equal(0);
    const policy = JSON.parse(r.stdout) as { id: string; referencePcrs: Record<string, string>; trustedAkNames?: string[] };
    expect(policy).to.deep.equal({ id: 'hv-1.0', referencePcrs: status.pcrs });
    const file = join(dir, 'pinned.json');
    const pinned = await runVtpm(['host', 'policy', '--host-dir', host, '--id', 'hv-1.0', '--pin-ak', '--out', file]);
    expect(pinned.code, pinned.stderr).to.equal(0);
    expect(pinned.stdout).to.include(`written to ${file}`);
    const json = JSON.parse(readFileSync(file, 'utf8')) as typeof policy;
    expect(json.referencePcrs).to.deep.equal(status.pcrs);
    expect(json.trustedAkNames).to.have.length(1);
    expect(json.trustedAkNames![0]).to.match(/^000b[0-9a-f]{64}$/); // a SHA-256 Name: the algorithm, then the digest
    expect(pinned.stdout).to.include(json.trustedAkNames![0]);
    const unbooted = join(dir, 'unbooted');
    expect((await runVtpm(['host', 'init', '--host-dir', unbooted])).code).to.equal(0);
    const refused = await runVtpm(['host', 'policy', '--host-dir', unbooted, '--id', 'x']);
    expect(refused.code).to.equal(1);
    expect(oneLineFailure(refused)).to.include('is not booted');
  });

  it('serve: listens, writes its pid, refuses a second daemon, runs VMs durably across a SIGTERM restart', async () => {
    const pidFile = join(dir, 'daemon.pid');
    const args = ['host', 'serve', '--host-dir', host, '--listen', `127.0.0.1:${PORT}`, '--psk-file', psk, '--pid-file', pidFile];
    let daemon = await startVtpm(args);
    try {
      expect(daemon.line).to.include(`listening on 127.0.0.1:${PORT}`).and.include(`control socket ${join(host, 'run', 'host.sock')}`).and.include('0 VMs running');
      expect(readFileSync(pidFile, 'utf8').trim()).to.equal(String(daemon.child.pid));
      const twice = await runVtpm([...args.slice(0, -2)]);
      expect(twice.code).to.equal(1);
      expect(oneLineFailure(twice)).to.match(/a host daemon already serves/);
      const boot = await runVtpm(['host', 'boot', '--host-dir', host]);
      expect(boot.code).to.equal(1);
      expect(oneLineFailure(boot)).to.match(/^vtpm host boot: a host daemon serves .*: stop it first/);

      const status = await runVtpm(['host', 'status', '--host-dir', host]);
      expect(status.code, status.stderr).to.equal(0);
      expect(status.stdout).to.include(`daemon: serving, migrations on 127.0.0.1:${PORT}`);
      for (const a of [['create', 'vm1', '--pages', '8'], ['start', 'vm1']]) {
        const r = await runVtpm(['vm', a[0]!, '--host-dir', host, ...a.slice(1)]);
        expect(r.code, r.stderr).to.equal(0);
      }
      const data = randomBytes(20);
      writeFileSync(join(dir, 'data.bin'), data);
      expect((await runVtpm(['vm', 'write', '--host-dir', host, 'vm1', '--gpa', '0x2010', '--data-file', join(dir, 'data.bin')])).code).to.equal(0);
      const list = await runVtpm(['vm', 'list', '--host-dir', host, '--json']);
      const vms = JSON.parse(list.stdout) as { vmId: string; state: string; memoryPages: number }[];
      expect(vms.map((v) => [v.vmId, v.state, v.memoryPages])).to.deep.equal([['vm1', 'running', 8]]);

      daemon.child.kill('SIGTERM');
      expect(await daemon.exit).to.equal(0);
      expect(existsSync(pidFile), 'pid file left behind').to.equal(false);
      daemon = await startVtpm(args);
      expect(daemon.line).to.include('1 VM running (vm1)');
      const read = await runVtpm(['vm', 'read', '--host-dir', host, 'vm1', '--gpa', '0x2010', '--length', '20']);
      expect(read.code, read.stderr).to.equal(0);
      expect(read.stdout.trim()).to.equal(data.toString('hex'));
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exit;
    }
  });

  it('vtpm ca host-cert: OpenSSL verifies the host certificate against the operator CA it created; bad input exits 2', async () => {
    const caDir = join(dir, 'checked-ca');
    const [cert, key] = [join(dir, 'checked.crt'), join(dir, 'checked.key')];
    const r = await runVtpm(['ca', 'host-cert', '--ca-dir', caDir, '--name', 'host-x.example', '--cert', cert, '--key', key, '--days', '30']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('operator CA created in');
    expect(execFileSync('openssl', ['verify', '-CAfile', join(caDir, 'ca.pem'), cert]).toString()).to.match(/: OK/);
    const text = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-subject', '-ext', 'subjectAltName,extendedKeyUsage', '-dates']).toString();
    expect(text).to.match(/CN = host-x\.example/).and.match(/DNS:host-x\.example/).and.match(/TLS Web Server Authentication, TLS Web Client Authentication/);
    const days = (Date.parse(/notAfter=(.*)/.exec(text)![1]!) - Date.parse(/notBefore=(.*)/.exec(text)![1]!)) / 86_400_000;
    expect(Math.round(days)).to.equal(30);
    // the key is the certificate's: OpenSSL derives the same public key from both
    expect(execFileSync('openssl', ['pkey', '-in', key, '-pubout']).toString()).to.equal(execFileSync('openssl', ['x509', '-in', cert, '-noout', '-pubkey']).toString());
    const again = await runVtpm(['ca', 'host-cert', '--ca-dir', caDir, '--name', 'host-y', '--cert', join(dir, 'y.crt'), '--key', join(dir, 'y.key')]);
    expect(again.stdout).to.include(`operator CA from ${caDir}`);
    for (const [args, message] of [
      [['ca', 'host-cert', '--ca-dir', caDir, '--cert', cert, '--key', key], /--name/],
      [['ca', 'host-cert', '--ca-dir', caDir, '--name', 'h', '--cert', cert, '--key', key, '--days', '0'], /--days must be a whole number of days from 1 to 3650/],
      [['ca', 'export', '--ca-dir', caDir, '--name', 'h'], /--name belongs to vtpm ca host-cert/],
    ] as const) {
      const bad = await runVtpm(args);
      expect(bad.code).to.equal(2);
      expect(oneLineFailure(bad)).to.match(message);
    }
    const badName = await runVtpm(['ca', 'host-cert', '--ca-dir', caDir, '--name', 'not a name', '--cert', cert, '--key', key]);
    expect(badName.code).to.equal(1);
    expect(oneLineFailure(badName)).to.match(/not a DNS name/);
  });

  it('certificate authentication: daemons with operator-CA certificates migrate; one from another CA is refused', async () => {
    // Certificates issued by the CLI (vtpm ca host-cert), each CA in a directory of its own.
    const ca = join(dir, 'operator-ca');
    const rogueCa = join(dir, 'rogue-ca');
    const credentials = async (name: string, issuer: string) => {
      const cert = join(dir, `${name}.crt`);
      const key = join(dir, `${name}.key`);
      const issued = await runVtpm(['ca', 'host-cert', '--ca-dir', issuer, '--name', name, '--cert', cert, '--key', key]);
      expect(issued.code, issued.stderr).to.equal(0);
      expect(statSync(key).mode & 0o777).to.equal(0o600);
      return ['--cert', cert, '--key', key, '--ca', join(ca, 'ca.pem')];
    };
    const second = join(dir, 'second');
    const third = join(dir, 'third');
    for (const h of [second, third]) {
      for (const action of ['init', 'boot']) expect((await runVtpm(['host', action, '--host-dir', h])).code).to.equal(0);
    }
    const serve = async (h: string, port: number, auth: string[]) => startVtpm(['host', 'serve', '--host-dir', h, '--listen', `127.0.0.1:${port}`, ...auth]);
    const daemons = [await serve(host, 2796, await credentials('host-a', ca)), await serve(second, 2797, await credentials('host-b', ca)), await serve(third, 2798, await credentials('host-c', rogueCa))];
    try {
      expect(daemons[0]!.line).to.include('peers authenticated by operator-CA certificates');
      const policy = join(dir, 'policy.json');
      expect((await runVtpm(['host', 'policy', '--host-dir', host, '--id', 'hv', '--out', policy])).code).to.equal(0);
      expect((await runVtpm(['vm', 'create', '--host-dir', host, 'vm2', '--pages', '8'])).code).to.equal(0);
      expect((await runVtpm(['vm', 'start', '--host-dir', host, 'vm2'])).code).to.equal(0);
      const rogue = await runVtpm(['vm', 'migrate', '--host-dir', host, 'vm2', '--to', '127.0.0.1:2798', '--policy', policy]);
      expect(rogue.code).to.equal(1);
      expect(oneLineFailure(rogue)).to.match(/not migrated: migration aborted in handshake: auth-failed: unknown CA: .*CN=host-c.*; the VM keeps running on the source/);
      const ok = await runVtpm(['vm', 'migrate', '--host-dir', host, 'vm2', '--to', '127.0.0.1:2797', '--policy', policy, '--json']);
      expect(ok.code, ok.stderr).to.equal(0);
      const report = JSON.parse(ok.stdout) as { vmId: string; destination: string; epoch: string; attestation: { ok: boolean } };
      expect(report).to.deep.include({ vmId: 'vm2', destination: '127.0.0.1:2797' });
      expect(report.attestation.ok).to.equal(true);
      expect(JSON.parse((await runVtpm(['vm', 'list', '--host-dir', second, '--json'])).stdout)).to.have.length(1);
    } finally {
      for (const d of daemons) d.child.kill('SIGTERM');
      await Promise.all(daemons.map((d) => d.exit));
    }
  });
});
