import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManufacturerCa } from '@vtpm/attest';
import { BootMeasurementsChangedError, exampleBootChain, hostBoot, hostInit, hostStatus, vmCreate, vmDump, vmStart, vmStop } from '../src/index.js';
import { printableSecret } from './secretScan.js';

describe('host and VM commands over a host directory (what `vtpm host|vm` call)', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vtpm-hostdir-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('init, boot, status, vm create/start/dump/stop; a changed kernel stops vm start; no file holds the guest secret', async () => {
    expect((await hostInit(dir, { ca: await ManufacturerCa.create() })).ekCertificates).to.equal(1);
    const boot = await hostBoot(dir, exampleBootChain('1.0'));
    expect(Object.keys(boot.pcrs)).to.deep.equal(['0', '4', '7', '8', '9']);
    await vmCreate(dir, { vmId: 'web', memoryPages: 16, mode: 'gcm' });
    const status = await hostStatus(dir);
    expect(status).to.include({ booted: true, events: 14 });
    expect(status.vms).to.deep.equal(['web']);

    const vm = await vmStart(dir, 'web');
    const secret = printableSecret();
    vm.memory.write(100, secret);
    await vmDump(vm, join(dir, 'web.snap'));
    await vmStop(dir, vm);
    for (const f of [...readdirSync(dir).map((f) => join(dir, f)), join(dir, 'vms', 'web.json')].filter((f) => !f.endsWith('vms'))) {
      expect(readFileSync(f).indexOf(secret.subarray(0, 16)), f).to.equal(-1);
    }
    expect((await vmStart(dir, 'web')).memory.read(100, 4).equals(Buffer.alloc(4))).to.equal(true); // memory is not persisted; the vTPM is

    await hostBoot(dir, { ...exampleBootChain('1.0'), hypervisorKernel: Buffer.from('other kernel') });
    const err = await vmStart(dir, 'web').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(BootMeasurementsChangedError);
    expect((err as BootMeasurementsChangedError).pcrs).to.deep.equal([9]);
  });
});
