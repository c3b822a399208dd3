import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManufacturerCa } from '@vtpm/attest';
import { LocalVmKeySource, RunningVm, createVmRecord, exampleBootChain, hostBoot, hostInit, listVmIds } from '@vtpm/hypervisor';
import { Startup, TPM_SU } from '@vtpm/tpm';
import {
  DirtyingWorkload, MigrationAbortedError, MigrationInDoubtError, RecoveryLoop, migrateVm, migrationPolicyFromReferenceHost, readMigrationEpoch, resolveInDoubt, restoreVmHost,
  serveMigrationTarget, type MigrationPoint, type MigrationPolicy, type MigrationTarget, type MigrateOptions, type VmHost,
} from '../src/index.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const auth = { none: true } as const;
const PAGES = 64;

/** Thrown by a point hook: the side stops right there, as a crashed host would. */
class SimulatedCrash extends Error {}
const crashAt = (at: MigrationPoint) => (point: MigrationPoint) => {
  if (point === at) throw new SimulatedCrash(`simulated crash at ${point}`);
};

/** A host as a daemon runs it, minus the daemon: VmHost restored from its directory plus its listener. */
interface Node {
  dir: string;
  port: number;
  host: VmHost;
  target: MigrationTarget;
}

describe('commit protocol: crashes and cuts at the commit, recovery from the host directories', function () {
  this.timeout(60_000);
  let root: string;
  let policy: MigrationPolicy;
  let ca: ManufacturerCa;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'vtpm-commit-'));
    ca = await ManufacturerCa.create();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  let nextPort = 2762;
  const initHost = async (name: string): Promise<string> => {
    const dir = join(root, `${name}-${nextPort}`);
    await hostInit(dir, { ca });
    await hostBoot(dir, exampleBootChain('1.0'));
    return dir;
  };
  /** (Re)starts the host of `dir`: everything it knows comes from the directory. */
  const open = async (dir: string, port: number, atPoint?: (p: MigrationPoint) => void): Promise<Node> => {
    const { vmHost, problems } = await restoreVmHost(dir);
    expect([...problems]).to.deep.equal([]);
    const target = await serveMigrationTarget(vmHost, { port, auth, timeoutMs: 1500, ...(atPoint ? { atPoint } : {}) });
    return { dir, port, host: vmHost, target };
  };
  /** The crash: the listener and its connections go, the in-memory state is dropped (the caller forgets `node`). */
  const crash = (node: Node) => node.target.close();
  const pair = async () => {
    const [da, db] = [await initHost('A'), await initHost('B')];
    const [pa, pb] = [nextPort++, nextPort++];
    return { da, db, pa, pb };
  };

  /** A durable VM on `node` whose guest wrote a marker and keeps writing; `model` is what its memory must read as. */
  const startGuest = async (node: Node) => {
    const record = await createVmRecord(node.host.host, { vmId: 'vm1', memoryPages: PAGES }, new LocalVmKeySource());
    const vm = await RunningVm.start(node.host.host, record, { backingFile: node.host.backingFileFor('vm1')! });
    await vm.vtpmClient().run(Startup, { params: { startupType: TPM_SU.CLEAR } });
    await node.host.persist(vm, 'running');
    node.host.add(vm);
    const workload = new DirtyingWorkload(vm.memory, { pagesPerTick: 2, intervalMs: 1, shadow: true });
    vm.memory.write(0x3000, Buffer.from('written before the migration'));
    Buffer.from('written before the migration').copy(workload.shadow!, 0x3000);
    workload.resume();
    return { vm, workload, model: workload.shadow! };
  };
  const migrate = (from: Node, to: Node, extra: Partial<MigrateOptions> = {}) =>
    migrateVm(from.host, 'vm1', `127.0.0.1:${to.port}`, { policy, auth, timeoutMs: 1500, resolveAt: `127.0.0.1:${from.port}`, stopCopyThresholdPages: 4, ...extra });
  const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the migration to fail'); }, (e: unknown) => e);

  /** The invariant: the VM runs on exactly one of the hosts, with the expected memory; no copy is left anywhere else. */
  const expectRunsOnlyOn = (on: Node, off: Node, model: Buffer) => {
    const vm = on.host.vm('vm1');
    expect(sha(vm.memory.read(0, vm.memory.sizeBytes)), 'memory').to.equal(sha(model));
    for (const h of [on.host, off.host]) expect([...h.outgoing.keys(), ...h.incoming.keys()], h.name).to.deep.equal([]);
    expect(off.host.vms.has('vm1')).to.equal(false);
  };
  const expectDirHolds = async (dir: string, vmIds: string[]) => {
    expect(await listVmIds(dir)).to.deep.equal(vmIds);
    expect(readdirSync(join(dir, 'vms')).filter((f) => f.endsWith('.memory'))).to.have.length(vmIds.length);
  };
  /** A second migration, back, with no fault: it must succeed. */
  const migrateBack = async (from: Node, to: Node, model: Buffer) => {
    const report = await migrate(from, to);
    expectRunsOnlyOn(to, from, model);
    return report;
  };

  before(async () => {
    const dir = await initHost('reference');
    policy = await migrationPolicyFromReferenceHost('hypervisor-1.0', (await restoreVmHost(dir)).vmHost.host);
  });

  it('destination crashes after it prepared: restarted, it asks the source, which had decided commit; the VM runs on B only', async () => {
    const { da, db, pa, pb } = await pair();
    const a = await open(da, pa);
    let b = await open(db, pb, crashAt('prepared'));
    const { workload, model } = await startGuest(a);
    const e = await failure(migrate(a, b, { guest: workload }));
    workload.pause();
    expect(e).to.be.instanceOf(MigrationInDoubtError);
    // Before any resolution: paused on A, prepared on B, running nowhere.
    expect([a.host.vms.has('vm1'), a.host.outgoing.has('vm1'), b.host.incoming.has('vm1'), b.host.vms.has('vm1')]).to.deep.equal([false, true, true, false]);

    await crash(b);
    b = await open(db, pb);
    expect(b.host.inDoubt()).to.deep.equal({ outgoing: [], incoming: ['vm1'] });
    expect(await resolveInDoubt(b.host, { auth })).to.deep.equal([{ vmId: 'vm1', role: 'destination', resolution: 'committed' }]);
    expect(await resolveInDoubt(a.host, { auth })).to.deep.equal([{ vmId: 'vm1', role: 'source', resolution: 'moved' }]);
    expectRunsOnlyOn(b, a, model);
    await expectDirHolds(da, []);
    await expectDirHolds(db, ['vm1']);
    expect((await migrateBack(b, a, model)).epoch).to.equal(2n);
    await Promise.all([a.target.close(), b.target.close()]);
  });

  it('source crashes after its commit decision: restarted, it finds the destination prepared, tells it to commit, then scrubs', async () => {
    const { da, db, pa, pb } = await pair();
    let a = await open(da, pa);
    const b = await open(db, pb);
    const { workload, model } = await startGuest(a);
    const e = await failure(migrate(a, b, { guest: workload, atPoint: crashAt('commit-decided') }));
    workload.pause();
    expect(e).to.be.instanceOf(MigrationInDoubtError);

    await crash(a);
    a = await open(da, pa);
    expect(a.host.inDoubt()).to.deep.equal({ outgoing: ['vm1'], incoming: [] });
    expect(a.host.vms.has('vm1') || b.host.vms.has('vm1'), 'running before the doubt is settled').to.equal(false);
    const [settled] = await resolveInDoubt(a.host, { auth });
    expect(settled).to.deep.equal({ vmId: 'vm1', role: 'source', resolution: 'moved' });
    expect(await resolveInDoubt(b.host, { auth })).to.deep.equal([]); // the source's commit settled B too
    expectRunsOnlyOn(b, a, model);
    await expectDirHolds(da, []);
    expect((await migrateBack(b, a, model)).epoch).to.equal(2n);
    await Promise.all([a.target.close(), b.target.close()]);
  });

  it('connection cut right after commit left: the source\'s recovery loop settles the doubt on its own', async () => {
    const { da, db, pa, pb } = await pair();
    const a = await open(da, pa);
    const b = await open(db, pb);
    const { workload, model } = await startGuest(a);
    let decided = false;
    const e = await failure(migrate(a, b, {
      guest: workload,
      atPoint: (p) => { if (p === 'commit-decided') decided = true; },
      tamper: (frame, _i, socket) => {
        if (decided) setImmediate(() => socket.close()); // `commit` goes out, then the connection dies
        return frame;
      },
    }));
    workload.pause();
    expect(e).to.be.instanceOf(MigrationInDoubtError);
    const settled = new Promise((resolve) => {
      const loop = new RecoveryLoop(a.host, { auth, timeoutMs: 1500 }, (s) => { void loop.stop(); resolve(s); });
      loop.start();
    });
    expect(await settled).to.deep.include({ vmId: 'vm1', role: 'source', resolution: 'moved' });
    await resolveInDoubt(b.host, { auth }); // in case B had only prepared: the source's commit reached it through the loop
    expectRunsOnlyOn(b, a, model);
    expect((await migrateBack(b, a, model)).epoch).to.equal(2n);
    await Promise.all([a.target.close(), b.target.close()]);
  });

  it('presumed abort: `prepared` reached a source that failed before deciding; B drops its copy (asked, or superseded by the next attempt)', async () => {
    const { da, db, pa, pb } = await pair();
    const a = await open(da, pa);
    const b = await open(db, pb);
    const { vm, workload, model } = await startGuest(a);
    const e = await failure(migrate(a, b, { guest: workload, atPoint: crashAt('prepared') }));
    expect(e).to.be.instanceOf(MigrationAbortedError);
    expect(a.host.vm('vm1')).to.equal(vm); // resumed at once: the decision was never made
    await new Promise((r) => setTimeout(r, 20)); // the guest writes again
    workload.pause();
    expect(b.host.incoming.get('vm1')?.inDoubt).to.equal(true);
    expect(await resolveInDoubt(b.host, { auth })).to.deep.equal([{ vmId: 'vm1', role: 'destination', resolution: 'dropped' }]);
    await expectDirHolds(db, []);
    expectRunsOnlyOn(a, b, model);

    // Again, now leaving B's prepared copy unresolved: the next attempt (a newer epoch) supersedes it.
    await failure(migrate(a, b, { atPoint: crashAt('prepared') }));
    expect(b.host.incoming.get('vm1')?.epoch).to.equal(2n);
    const report = await migrate(a, b);
    expect(report.epoch).to.equal(3n);
    expectRunsOnlyOn(b, a, model);
    await expectDirHolds(db, ['vm1']);
    await Promise.all([a.target.close(), b.target.close()]);
  });

  it('a source restarted after a failed attempt never offers that epoch again: the record held the advanced counter', async () => {
    const { da, db, pa, pb } = await pair();
    let a = await open(da, pa);
    const b = await open(db, pb);
    const { workload, model } = await startGuest(a);
    await failure(migrate(a, b, { guest: workload, atPoint: crashAt('pre-copy') }));
    workload.pause();
    await crash(a);
    a = await open(da, pa);
    expect(await readMigrationEpoch(a.host.vm('vm1').vtpmClient())).to.equal(1n);
    expect(sha(a.host.vm('vm1').memory.read(0, PAGES * 4096))).to.equal(sha(model)); // memory is written through: nothing lost
    expect((await migrate(a, b)).epoch).to.equal(2n);
    expectRunsOnlyOn(b, a, model);
    expect(existsSync(join(da, 'vms', 'vm1.json'))).to.equal(false);
    await Promise.all([a.target.close(), b.target.close()]);
  });
});
