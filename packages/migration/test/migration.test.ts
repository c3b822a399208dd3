import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { Host, LocalVmKeySource, RunningVm, createVmRecord, exampleBootChain } from '@vtpm/hypervisor';
import { ManufacturerCa } from '@vtpm/attest';
import { Startup, TPM_SU } from '@vtpm/tpm';
import { DirtyingWorkload, MigrationAbortedError, VmHost, migrateVm, migrationPolicyFromReferenceHost, serveMigrationTarget, type MigrationProgress } from '../src/index.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('@vtpm/migration: attested live migration over TCP', function () {
  this.timeout(60_000);
  let ca: ManufacturerCa;
  before(async () => { ca = await ManufacturerCa.create(); });

  const bootedHost = async (name: string, chain = exampleBootChain('1.0')) => {
    const host = await Host.create({ ca });
    await host.boot(chain);
    return new VmHost(host, name);
  };
  const startVm = async (src: VmHost, pages = 256) => {
    const record = await createVmRecord(src.host, { vmId: 'vm1', memoryPages: pages }, new LocalVmKeySource());
    const vm = await RunningVm.start(src.host, record);
    await vm.vtpmClient().run(Startup, { params: { startupType: TPM_SU.CLEAR } }); // the guest firmware's job
    src.add(vm);
    const workload = new DirtyingWorkload(vm.memory, { pagesPerTick: 4, intervalMs: 1, shadow: true });
    return { vm, workload };
  };
  const plain = (vm: RunningVm) => sha(vm.memory.read(0, vm.memory.sizeBytes));

  it('migrates a VM whose guest keeps writing, with progress and report; the source is scrubbed', async () => {
    const [a, b] = [await bootedHost('A'), await bootedHost('B')];
    const policy = await migrationPolicyFromReferenceHost('hypervisor-1.0', a.host);
    const { vm, workload } = await startVm(a);
    vm.memory.write(0x1000, Buffer.from('tenant secret'));
    Buffer.from('tenant secret').copy(workload.shadow!, 0x1000);
    workload.resume();
    const target = await serveMigrationTarget(b, { port: 2701, auth: { none: true } });
    const events: MigrationProgress[] = [];
    try {
      const report = await migrateVm(a, 'vm1', target.address, { policy, auth: { none: true }, guest: workload, onProgress: (e) => events.push(e), stopCopyThresholdPages: 8 });
      expect(report.attestation.ok).to.equal(true);
      expect(report.epoch).to.equal(1n);
      expect(report.rounds).to.be.greaterThan(1);
      expect(report.downtimeMs).to.be.lessThan(report.totalMs);
      expect(events.some((e) => e.phase === 'pre-copy')).to.equal(true);
    } finally {
      workload.pause();
      await target.close();
    }
    expect(a.vms.has('vm1')).to.equal(false);
    expect(a.host && vm.memory.hostView().ciphertext.every((x) => x === 0)).to.equal(true);
    const moved = b.vm('vm1');
    expect(plain(moved)).to.equal(sha(workload.shadow!));
    expect(moved.memory.read(0x1000, 13).toString()).to.equal('tenant secret');
    expect(b.acceptedEpochs.get('vm1')).to.equal(1n);
  });

  const expectAbortKeepsVm = async (b: VmHost, a: VmHost, tamper?: Parameters<typeof migrateVm>[3]['tamper'], port = 2702) => {
    const policy = await migrationPolicyFromReferenceHost('hypervisor-1.0', a.host);
    const { vm, workload } = await startVm(a, 64);
    vm.memory.write(0x2000, Buffer.from('still here'));
    const before = plain(vm);
    const target = await serveMigrationTarget(b, { port, timeoutMs: 2000, auth: { none: true } });
    let error: unknown;
    try {
      await migrateVm(a, 'vm1', target.address, { policy, auth: { none: true }, guest: workload, tamper, timeoutMs: 2000 });
    } catch (e) {
      error = e;
    } finally {
      workload.pause();
      await target.close();
    }
    expect(error).to.be.instanceOf(MigrationAbortedError);
    expect(a.vm('vm1')).to.equal(vm);
    expect(plain(vm)).to.equal(before);
    expect(b.vms.has('vm1')).to.equal(false);
    return error as MigrationAbortedError;
  };

  it('refuses a destination with a tampered kernel, naming PCR 9, before anything secret moves', async () => {
    const a = await bootedHost('A');
    const c = await bootedHost('C', { ...exampleBootChain('1.0'), hypervisorKernel: Buffer.from('a tampered kernel') });
    const e = await expectAbortKeepsVm(c, a, undefined, 2703);
    expect(e.phase).to.equal('attestation');
    expect(e.attestation?.failingPcrs).to.deep.equal([9]);
  });

  it('aborts on a corrupted record', async () => {
    const [a, b] = [await bootedHost('A'), await bootedHost('B')];
    await expectAbortKeepsVm(b, a, (f, i) => { if (i === 5) f[f.length - 1]! ^= 1; return f; }, 2704);
  });

  it('aborts on a replayed record', async () => {
    const [a, b] = [await bootedHost('A'), await bootedHost('B')];
    await expectAbortKeepsVm(b, a, (f, i) => (i === 5 ? [f, f] : f), 2705);
  });

  it('aborts when the connection is cut mid-stream', async () => {
    const [a, b] = [await bootedHost('A'), await bootedHost('B')];
    await expectAbortKeepsVm(b, a, (f, i, s) => { if (i === 5) s.close(); return f; }, 2706);
  });

  it('refuses a stream whose migration epoch is not newer than one already accepted', async () => {
    const [a, b] = [await bootedHost('A'), await bootedHost('B')];
    b.acceptedEpochs.set('vm1', 5n);
    const e = await expectAbortKeepsVm(b, a, undefined, 2707);
    expect(e.message).to.match(/stale-epoch/);
  });
});
