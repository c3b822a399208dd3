import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManufacturerCa } from '@vtpm/attest';
import { exampleBootChain, hostBoot, hostInit, loadHost } from '@vtpm/hypervisor';
import {
  HostDaemonClient, HostDaemonError, migrationPolicyFromReferenceHost, migrationPolicyToJson, parseKillAt, startHostDaemon,
  type HostDaemon, type HostDaemonOptions, type MigrationPoint, type MigrationPolicyJson, type MigrationProgress, type MigrationRole,
} from '../src/index.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const PAGES = 64;
const auth = { none: true } as const;

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] => readdirSync(dir).flatMap((f) => {
  const p = join(dir, f);
  return statSync(p).isDirectory() ? filesUnder(p) : statSync(p).isFile() ? [p] : [];
});

describe('host daemons: two in one process, driven over their control sockets', function () {
  this.timeout(60_000);
  let root: string;
  let ca: ManufacturerCa;
  let policy: MigrationPolicyJson;
  const daemons: HostDaemon[] = [];
  const clients: HostDaemonClient[] = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'vtpm-daemons-'));
    ca = await ManufacturerCa.create();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const d of daemons.splice(0)) await d.shutdown().catch(() => undefined);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const hostDir = async (name: string) => {
    const dir = join(root, name);
    await hostInit(dir, { ca });
    await hostBoot(dir, exampleBootChain('1.0'));
    policy ??= migrationPolicyToJson(await migrationPolicyFromReferenceHost('hypervisor-1.0', await loadHost(dir)));
    return dir;
  };
  const serve = async (dir: string, port: number, extra: Partial<HostDaemonOptions> = {}) => {
    const daemon = await startHostDaemon({ hostDir: dir, listen: { host: '127.0.0.1', port }, auth, timeoutMs: 1500, ...extra });
    daemons.push(daemon);
    const client = await HostDaemonClient.connect(daemon.controlSocket);
    clients.push(client);
    return { daemon, client };
  };
  const secret = Buffer.from('tenant secret: the guest wrote this, only the guest reads it');

  it('create, start, write, migrate A -> B with progress; B reads the guest\'s data back; A refuses I/O ("moved to B"); no plaintext on disk or in dumps; B restarted resumes it; back to A', async () => {
    const [da, db] = [await hostDir('A'), await hostDir('B')];
    const a = await serve(da, 2770);
    let b = await serve(db, 2771);
    await a.client.createVm({ vmId: 'vm1', memoryPages: PAGES });
    expect(await a.client.listVms()).to.deep.equal([{ vmId: 'vm1', state: 'stopped', memoryPages: PAGES, vcpus: 1, workload: false }]);
    await a.client.startVm('vm1');
    await a.client.writeGuest('vm1', 0x1234, secret);
    const model = Buffer.alloc(PAGES * 4096);
    secret.copy(model, 0x1234);
    expect(await a.client.memoryHash('vm1')).to.equal(sha(model));

    const events: MigrationProgress[] = [];
    const report = await a.client.migrate('vm1', { to: b.daemon.address, policy }, (p) => events.push(p));
    expect(report.epoch).to.equal(1n);
    expect(report.attestation.ok).to.equal(true);
    expect(events.map((e) => e.phase)).to.include('pre-copy');
    expect((await b.client.readGuest('vm1', 0x1234, secret.length)).equals(secret)).to.equal(true);
    expect(await b.client.memoryHash('vm1')).to.equal(sha(model));
    expect(await a.client.listVms()).to.deep.equal([]);
    expect((await b.client.listVms()).map((v) => [v.vmId, v.state])).to.deep.equal([['vm1', 'running']]);
    const moved = await a.client.writeGuest('vm1', 0, Buffer.from('late')).then(() => undefined, (e: unknown) => e);
    expect(moved).to.be.instanceOf(HostDaemonError);
    expect(moved).to.deep.include({ code: 'moved' });
    expect((moved as Error).message).to.match(/VM vm1 moved to 127\.0\.0\.1:2771/);

    const dumpB = join(root, 'b.snapshot');
    expect((await b.client.dumpVm('vm1', dumpB)).bytes).to.be.greaterThan(PAGES * 4096);
    const dumpA = await a.client.dumpVm('vm1', join(root, 'a.snapshot')).then(() => undefined, (e: unknown) => e);
    expect(dumpA).to.deep.include({ code: 'moved' }); // nothing of vm1 is left on A to dump
    for (const file of [dumpB, ...filesUnder(da), ...filesUnder(db)].filter((f) => !f.endsWith('.sock'))) {
      expect(readFileSync(file).indexOf(secret.subarray(0, 16)), file).to.equal(-1);
    }

    // B restarts (orderly): the VM comes back from its checkpoint and memory file.
    b.client.close();
    await b.daemon.shutdown();
    b = await serve(db, 2771);
    expect(b.daemon.runningVms()).to.deep.equal(['vm1']);
    expect(await b.client.memoryHash('vm1')).to.equal(sha(model));
    await b.client.writeGuest('vm1', 0x8000, Buffer.from('after the restart'));
    Buffer.from('after the restart').copy(model, 0x8000);

    expect((await b.client.migrate('vm1', { to: a.daemon.address, policy })).epoch).to.equal(2n);
    expect(await a.client.memoryHash('vm1')).to.equal(sha(model));
    expect(await b.client.listVms()).to.deep.equal([]);
  });

  /** Issues a guest write when the source reaches stop-and-copy (the guest is paused then), and fails the destination at `destinationFails`. */
  const writeDuringPause = async (destinationFails?: MigrationPoint) => {
    const [da, db] = [await hostDir(`A-${destinationFails}`), await hostDir(`B-${destinationFails}`)];
    let write: Promise<unknown> | undefined;
    const late = Buffer.from('written while paused');
    let a!: Awaited<ReturnType<typeof serve>>;
    a = await serve(da, 2772, {
      faultInjection: { atPoint: (role: MigrationRole, point: MigrationPoint) => { if (role === 'source' && point === 'stop-and-copy') write = a.client.writeGuest('vm1', 0x2000, late).then(() => 'landed', (e: unknown) => e); } },
    });
    const b = await serve(db, 2773, destinationFails ? { faultInjection: { atPoint: (role, point) => { if (role === 'destination' && point === destinationFails) throw new Error(`injected failure at ${point}`); } } } : {});
    await a.client.createVm({ vmId: 'vm1', memoryPages: PAGES });
    await a.client.startVm('vm1');
    await a.client.startWorkload('vm1', { pagesPerTick: 1, intervalMs: 2 }); // the guest keeps writing on its own too
    const result = await a.client.migrate('vm1', { to: b.daemon.address, policy }).then(() => 'migrated', (e: unknown) => e);
    return { a, b, result, write: await write, late };
  };

  it('a guest write issued during stop-and-copy waits, and lands once an abort resumes the guest', async () => {
    const { a, b, result, write, late } = await writeDuringPause('key-handover');
    expect(result).to.be.instanceOf(HostDaemonError);
    expect(result).to.deep.include({ code: 'aborted', phase: 'key-handover' });
    expect(write).to.equal('landed');
    expect((await a.client.readGuest('vm1', 0x2000, late.length)).equals(late)).to.equal(true);
    expect((await a.client.listVms())[0]).to.deep.include({ vmId: 'vm1', state: 'running', workload: true });
    expect(await b.client.listVms()).to.deep.equal([]);
    expect((await a.client.stopWorkload('vm1')).writes).to.be.greaterThan(0);
  });

  it('a guest write issued during stop-and-copy is refused ("moved to") once the VM committed elsewhere', async () => {
    const { b, result, write } = await writeDuringPause();
    expect(result).to.equal('migrated');
    expect(write).to.be.instanceOf(HostDaemonError);
    expect((write as Error).message).to.match(/moved to 127\.0\.0\.1:2773/);
    expect((await b.client.readGuest('vm1', 0x2000, 4)).equals(Buffer.alloc(4))).to.equal(true);
  });

  it('a refused migration names the failing PCRs and leaves the VM running on the source', async () => {
    const da = await hostDir('A-refused');
    const dc = join(root, 'C-tampered');
    await hostInit(dc, { ca });
    await hostBoot(dc, { ...exampleBootChain('1.0'), hypervisorKernel: Buffer.from('a tampered kernel') });
    const a = await serve(da, 2774);
    const c = await serve(dc, 2775);
    await a.client.createVm({ vmId: 'vm1', memoryPages: PAGES });
    await a.client.startVm('vm1');
    await a.client.writeGuest('vm1', 0, secret);
    const before = await a.client.memoryHash('vm1');
    const e = await a.client.migrate('vm1', { to: c.daemon.address, policy }).then(() => undefined, (err: unknown) => err);
    expect(e).to.deep.include({ code: 'aborted', phase: 'attestation', reason: 'pcr-mismatch' });
    expect((e as HostDaemonError).failingPcrs).to.deep.equal([9]);
    expect(await a.client.memoryHash('vm1')).to.equal(before);
    expect(await c.client.listVms()).to.deep.equal([]);
  });

  it('the control socket answers malformed requests with errors and stays usable; a second daemon on the same directory is refused', async () => {
    const da = await hostDir('A-control');
    const a = await serve(da, 2776);
    const lines = await new Promise<string[]>((resolve, reject) => {
      const s = createConnection(a.daemon.controlSocket);
      let text = '';
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        text += d;
        if (text.split('\n').length > 4) { s.end(); resolve(text.trim().split('\n')); }
      });
      s.on('error', reject);
      s.write('not json\n{"op":"status"}\n{"id":7,"op":"format-disk"}\n{"id":8,"op":"readGuest","vmId":"nope","gpa":0,"length":4}\n');
    });
    const answers = lines.map((l) => JSON.parse(l) as { id: number | null; ok: boolean; error?: { code?: string; message: string } });
    expect(answers.map((x) => [x.id, x.ok, x.error?.code])).to.deep.equal([[null, false, 'bad-request'], [null, false, 'bad-request'], [7, false, 'bad-request'], [8, false, 'not-found']]);
    expect((await a.client.status()).address).to.equal('127.0.0.1:2776');
    const second = await startHostDaemon({ hostDir: da, listen: { host: '127.0.0.1', port: 2777 }, auth }).then(() => undefined, (e: unknown) => e);
    expect((second as Error).message).to.match(/another host daemon serves .*A-control/);
  });

  it('VTPM_TEST_KILL_AT is parsed strictly (test-only fault injection)', () => {
    expect(parseKillAt(undefined)).to.equal(undefined);
    expect(parseKillAt('destination:prepared')).to.deep.equal({ role: 'destination', point: 'prepared' });
    expect(() => parseKillAt('source:lunch')).to.throw(/expected <source\|destination>:<handshake\|attestation/);
  });
});
