import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { oneLineFailure, runVtpm, startVtpm, type CliRun } from './cliRunner.js';

const BROKER_PORT = 2932;
const DAEMON_PORT = 2933;
const URL = `http://127.0.0.1:${BROKER_PORT}`;

interface AuditEntry {
  outcome: string;
  hostId: string | null;
  vmId: string | null;
  akName: string | null;
  reason: string | null;
  message: string;
}

/**
 * `vtpm broker host enrol` against a `vtpm broker serve` process (SQLite in a temp directory,
 * admin token, the TPM manufacturer's CA as EK root), and the host daemon that then gets its VM
 * key from that broker.
 */
describe('vtpm broker host enrol', function () {
  this.timeout(120_000);
  let dir: string;
  let host: string;
  let caDir: string;
  let token: string;
  let broker: { child: ChildProcess; line: string; exit: Promise<number | null> };
  const client = () => ['--url', URL, '--admin-token-file', token];
  const enrol = (hostDir: string, hostId = 'hv1', tokenFile = token) => runVtpm(['broker', 'host', 'enrol', '--host-dir', hostDir, '--host-id', hostId, '--url', URL, '--admin-token-file', tokenFile]);
  const expectOk = (r: CliRun, what: string) => expect(r.code, `${what}: ${r.stderr}`).to.equal(0);
  const audit = async (): Promise<AuditEntry[]> => {
    const r = await runVtpm(['broker', 'log', '--json', ...client()]);
    expectOk(r, 'broker log');
    return JSON.parse(r.stdout) as AuditEntry[];
  };
  const serve = () => startVtpm(['host', 'serve', '--host-dir', host, '--listen', `127.0.0.1:${DAEMON_PORT}`, '--no-auth', '--broker', URL, '--host-id', 'hv1']);
  const stop = async (d: { child: ChildProcess; exit: Promise<number | null> }) => {
    d.child.kill('SIGTERM');
    expect(await d.exit).to.equal(0);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vtpm-cli-enrol-'));
    host = join(dir, 'host');
    caDir = join(dir, 'manufacturer-ca');
    for (const args of [['host', 'init', '--host-dir', host, '--ca', caDir], ['host', 'boot', '--host-dir', host]]) expectOk(await runVtpm(args), args.join(' '));
    token = join(dir, 'token');
    writeFileSync(token, `${randomBytes(16).toString('hex')}\n`, { mode: 0o600 });
    broker = await startVtpm([
      'broker', 'serve', '--db', join(dir, 'broker.sqlite'), '--master-key', `file=${join(dir, 'master.key')},create`,
      '--port', String(BROKER_PORT), '--admin-token-file', token, '--ek-ca', join(caDir, 'ca.pem'),
    ]);
    expect(broker.line).to.match(/; enrolling hosts' EK certificates checked against 1 CA\)$/);
    // vm1's, vm2's and vm3's keys at the broker, released only to a host whose PCRs are this host's measured boot
    const { pcrs } = JSON.parse((await runVtpm(['host', 'status', '--host-dir', host, '--json'])).stdout) as { pcrs: Record<string, string> };
    const policy = { hostClass: 'hypervisor-1.0', pcrs: { sha256: Object.keys(pcrs).map(Number) }, allowedPcrValues: { sha256: Object.fromEntries(Object.entries(pcrs).map(([p, v]) => [p, [v]])) } };
    writeFileSync(join(dir, 'release-policy.json'), JSON.stringify(policy));
    for (const vm of ['vm1', 'vm2', 'vm3']) {
      expectOk(await runVtpm(['broker', 'vm', 'add', vm, ...client()]), 'vm add');
      expectOk(await runVtpm(['broker', 'policy', 'set', vm, '--file', join(dir, 'release-policy.json'), ...client()]), 'policy set');
    }
  });
  after(async () => {
    broker?.child.kill('SIGTERM');
    await broker?.exit;
    rmSync(dir, { recursive: true, force: true });
  });

  it("a wrong admin token is refused with the broker's message; nothing is enrolled", async () => {
    const wrong = join(dir, 'wrong-token');
    writeFileSync(wrong, 'not the token\n');
    const r = await enrol(host, 'hv1', wrong);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(oneLineFailure(r)).to.equal('vtpm broker host enrol: the broker refused (HTTP 401): unauthorized: tenant and registrar routes need the admin bearer token');
    expect((await audit()).filter((e) => e.outcome === 'enrolled')).to.deep.equal([]);
  });

  it('before enrolment the broker refuses the host the key; enrolment is refused while the daemon holds the TPM', async () => {
    const daemon = await serve();
    try {
      const create = await runVtpm(['vm', 'create', '--host-dir', host, 'vm1', '--pages', '16', '--key-source', 'broker']);
      expect(create.code).to.equal(1);
      expect(oneLineFailure(create)).to.match(/^vtpm vm create: .*ak-unknown/);
      const busy = await enrol(host);
      expect(busy.code).to.equal(1);
      expect(oneLineFailure(busy)).to.equal(`vtpm broker host enrol: a host daemon serves ${host} and holds its TPM: stop it (SIGTERM; its VMs stay durable), enrol, then serve again`);
    } finally {
      await stop(daemon);
    }
    expect((await audit()).filter((e) => e.outcome === 'enrolled')).to.deep.equal([]);
  });

  it("enrols the host's AK (the one vtpm host policy --pin-ak names); the broker then releases vm1's key to the host's daemon", async () => {
    const r = await enrol(host);
    expectOk(r, 'enrol');
    const akName = /AK ([0-9a-f]+) /.exec(r.stdout)?.[1];
    expect(r.stdout).to.equal(
      `host hv1 enrolled with the key broker at ${URL}: AK ${akName} (credential activated with the EK of ${host}, EK certificate presented); ` +
        `the broker releases VM keys to it on a good attestation: vtpm host serve --host-dir ${host} ... --broker ${URL} --host-id hv1\n`,
    );
    // Independently: the AK Name the host's own quote verifies with.
    const policyFile = join(dir, 'migration-policy.json');
    expectOk(await runVtpm(['host', 'policy', '--host-dir', host, '--id', 'p', '--pin-ak', '--out', policyFile]), 'host policy');
    expect(akName).to.equal((JSON.parse(readFileSync(policyFile, 'utf8')) as { trustedAkNames: string[] }).trustedAkNames[0]);
    expect((await audit()).filter((e) => e.outcome === 'enrolled').map((e) => [e.hostId, e.akName])).to.deep.equal([['hv1', akName]]);

    const daemon = await serve();
    try {
      expectOk(await runVtpm(['vm', 'create', '--host-dir', host, 'vm1', '--pages', '16', '--key-source', 'broker']), 'vm create');
      expectOk(await runVtpm(['vm', 'start', '--host-dir', host, 'vm1']), 'vm start');
      const secret = randomBytes(32);
      writeFileSync(join(dir, 'secret.bin'), secret);
      expectOk(await runVtpm(['vm', 'write', '--host-dir', host, 'vm1', '--gpa', '0x2000', '--data-file', join(dir, 'secret.bin')]), 'vm write');
      const read = await runVtpm(['vm', 'read', '--host-dir', host, 'vm1', '--gpa', '0x2000', '--length', '32']);
      expect(read.stdout.trim()).to.equal(secret.toString('hex'));
    } finally {
      await stop(daemon);
    }
    const released = (await audit()).filter((e) => e.vmId === 'vm1' && e.outcome === 'released');
    expect(released.map((e) => [e.hostId, e.akName])).to.deep.equal([['hv1', akName]]);
  });

  it('a second enrolment of the same host renews it: same AK, one more audit entry, the key still released', async () => {
    const first = (await audit()).filter((e) => e.outcome === 'enrolled');
    const r = await enrol(host);
    expectOk(r, 'second enrol');
    const entries = (await audit()).filter((e) => e.outcome === 'enrolled');
    expect(entries.length).to.equal(first.length + 1);
    expect(new Set(entries.map((e) => `${e.hostId} ${e.akName}`)).size).to.equal(1);
    expect(r.stdout).to.include(`AK ${entries[0]!.akName} `);
    const daemon = await serve();
    try {
      expectOk(await runVtpm(['vm', 'create', '--host-dir', host, 'vm2', '--pages', '16', '--key-source', 'broker']), 'vm create after re-enrolment');
    } finally {
      await stop(daemon);
    }
  });

  it("a host whose EK certificate is from another manufacturer's CA is refused, the message saying what the broker checks", async () => {
    const stranger = join(dir, 'stranger');
    expectOk(await runVtpm(['host', 'init', '--host-dir', stranger]), 'init stranger'); // a CA in memory: not the broker's
    const r = await enrol(stranger, 'hv2');
    expect(r.code).to.equal(1);
    expect(oneLineFailure(r)).to.match(/^vtpm broker host enrol: the broker refused \(HTTP 403\): ek-chain-invalid: .* \(the broker checks EK certificates against the TPM manufacturer's CA: vtpm broker serve --ek-ca CA\.pem\)$/);
    expect((await audit()).some((e) => e.hostId === 'hv2' && e.outcome === 'enrolled')).to.equal(false);
  });

  it('usage errors exit 2 naming the option; a directory without a host TPM exits 1', async () => {
    const cases: [string[], RegExp][] = [
      [['broker', 'host', 'enrol', '--host-dir', host, ...client()], /^vtpm broker host enrol: --host-id is required \(ID, the name the broker knows this host by/],
      [['broker', 'host', 'enrol', '--host-id', 'hv1', ...client()], /^vtpm broker host enrol: --host-dir is required/],
      [['broker', 'host', 'enrol', '--host-dir', host, '--host-id', 'a b', ...client()], /--host-id 'a b' may hold letters/],
      [['broker', 'host', 'enrol', '--host-dir', host, '--host-id', 'hv1'], /^vtpm broker host enrol: --url is required/],
      [['broker', 'host', 'list', ...client()], /^vtpm broker host: unknown action 'list' \(enrol, revoke\)$/],
      [['broker', 'host', 'revoke', ...client()], /^vtpm broker host revoke: give the host's id \(as enrolled with --host-id\)$/],
      [['broker', 'serve', '--db', 'x', '--master-key', 'file=k', '--host-id', 'hv1'], /^vtpm broker serve: --host-id does not apply here$/],
    ];
    for (const [args, message] of cases) {
      const r = await runVtpm(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(oneLineFailure(r)).to.match(message);
    }
    const empty = await enrol(join(dir, 'nothing-here'));
    expect(empty.code).to.equal(1);
    expect(oneLineFailure(empty)).to.equal(`vtpm broker host enrol: ${join(dir, 'nothing-here')} holds no host TPM state: run \`vtpm host init\` first`);
    const badCa = await runVtpm(['broker', 'serve', '--db', join(dir, 'b2.sqlite'), '--master-key', `file=${join(dir, 'master.key')}`, '--ek-ca', token]);
    expect(badCa.code).to.equal(1);
    expect(oneLineFailure(badCa)).to.match(/^vtpm broker serve: --ek-ca .*token: not an X\.509 certificate \(PEM or DER\)/);
  });

  it('host revoke: the daemon gets no key any more, enrolling the AK again is refused; an unknown host exits 1', async () => {
    const r = await runVtpm(['broker', 'host', 'revoke', 'hv1', ...client()]);
    expectOk(r, 'revoke');
    expect(r.stdout).to.equal('host hv1: 1 AK revoked; the broker releases no key to it from now on, and its AK cannot be enrolled again\n');
    const again = await enrol(host);
    expect(again.code).to.equal(1);
    expect(oneLineFailure(again)).to.match(/^vtpm broker host enrol: the broker refused \(HTTP 403\): ak-revoked: AK [0-9a-f]+ \(host hv1\) was revoked at .*; a revoked AK cannot be enrolled again/);
    const daemon = await serve();
    try {
      const refused = await runVtpm(['vm', 'create', '--host-dir', host, 'vm3', '--pages', '16', '--key-source', 'broker']);
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.match(/ak-revoked/);
    } finally {
      await stop(daemon);
    }
    expect((await audit()).filter((e) => e.outcome === 'revoked').map((e) => e.hostId)).to.deep.equal(['hv1']);
    const unknown = await runVtpm(['broker', 'host', 'revoke', 'no-such-host', ...client()]);
    expect(unknown.code).to.equal(1);
    expect(oneLineFailure(unknown)).to.equal('vtpm broker host revoke: host no-such-host has no enrolled, unrevoked AK at the broker (vtpm broker log shows enrolments)');
  });
});
