import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { ManufacturerCa } from '@vtpm/attest';
import { PCR_Extend, PCR_Read, Startup, TPM_ALG, TPM_SU, pcrBitmap } from '@vtpm/tpm';
import {
  BootMeasurementsChangedError, Host, LocalVmKeySource, RunningVm, VtpmStateError, createVmRecord, deriveVmSubkey, exampleBootChain, memoryDump, openVtpmState, registerDump, snapshotToDisk,
} from '../src/index.js';
import { fileContains, printableSecret } from './secretScan.js';

describe('VM confidentiality: the administrator sees ciphertext only', () => {
  let host: Host;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vtpm-hv-'));
    host = await Host.create({ seed: Buffer.from('vm test host'), ca: await ManufacturerCa.create() });
    await host.boot(exampleBootChain('1.0'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const mode of ['xts', 'gcm'] as const) {
    it(`${mode}: a guest secret is absent from the memory dump, register dump, snapshot file and a heap snapshot after stop`, async function () {
      this.timeout(120000);
      const secret = printableSecret();
      const rip = 0x4141414141414141n;
      const keys = new LocalVmKeySource();
      const record = await createVmRecord(host, { vmId: `vm-${mode}`, memoryPages: 256, mode }, keys);
      keys.forget(`vm-${mode}`);
      const vm = await RunningVm.start(host, record);
      vm.memory.write(0x1234, secret);
      vm.memory.write(0x7ffe0, secret); // straddles pages 127 and 128
      vm.vcpus[0]!.save({ rip, rsp: 0x7000n, rflags: 2n, rax: BigInt('0x' + secret.subarray(0, 8).toString('hex')), rbx: 0n, rcx: 0n, rdx: 0n, rsi: 0n, rdi: 0n, cr3: 0x1000n });
      const readBack = vm.memory.read(0x7ffe0, secret.length);
      expect(readBack.equals(secret)).to.equal(true);
      readBack.fill(0);
      expect(vm.vcpus[0]!.load().rip).to.equal(rip);

      const dump = memoryDump(vm);
      expect(dump.ciphertext.length).to.equal(256 * 4096);
      expect(dump.ciphertext.indexOf(secret)).to.equal(-1);
      expect(dump.ciphertext.indexOf(secret.subarray(0, 16))).to.equal(-1);
      const regs = Buffer.concat(registerDump(vm).flatMap((r) => [r.nonce, r.ciphertext, r.tag]));
      expect(regs.indexOf(Buffer.from('4141414141414141', 'hex'))).to.equal(-1);
      expect(regs.indexOf(secret.subarray(0, 8))).to.equal(-1);
      const snap = join(dir, `${mode}.snapshot`);
      await snapshotToDisk(vm, snap);
      expect(fileContains(snap, secret.subarray(0, 16))).to.equal(false);
      expect(readFileSync(snap).subarray(0, 8).toString()).to.equal('VTPMSNAP');

      vm.stop();
      (globalThis as { gc?: () => void }).gc?.();
      const heap = writeHeapSnapshot(join(dir, `${mode}.heapsnapshot`));
      try {
        expect(fileContains(heap, secret.subarray(0, 16))).to.equal(false);
      } finally {
        rmSync(heap, { force: true });
      }
      secret.fill(0);
    });
  }

  it('the heap-snapshot scan finds a secret held in a JS string (positive control)', function () {
    this.timeout(120000);
    const secret = printableSecret();
    const holder = { leaked: secret.toString('latin1') };
    const heap = writeHeapSnapshot(join(dir, 'control.heapsnapshot'));
    try {
      expect(fileContains(heap, secret)).to.equal(true);
    } finally {
      rmSync(heap, { force: true });
    }
    expect(holder.leaked.length).to.equal(48);
  });

  it('the vTPM state survives stop/start encrypted; another VM, a modified envelope and an older generation are refused', async () => {
    const keys = new LocalVmKeySource();
    const vmKey = await keys.fetchKey('vm-vtpm');
    const record = await createVmRecord(host, { vmId: 'vm-vtpm', memoryPages: 4 }, keys);
    const vm = await RunningVm.start(host, record);
    const guestTpm = vm.vtpmClient();
    await guestTpm.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
    await guestTpm.run(PCR_Extend, { handles: { pcrHandle: 16 }, auth: [{ password: '' }], params: { digests: [{ hashAlg: TPM_ALG.SHA256, digest: Buffer.alloc(32, 0xab) }] } });
    const read = async (vmNow: RunningVm) => (await vmNow.vtpmClient().run(PCR_Read, { params: { pcrSelectionIn: [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([16]) }] } })).pcrValues[0]!.toString('hex');
    const pcr16 = await read(vm);
    const stopped = vm.stop();
    expect(stopped.vtpmGeneration).to.equal(2n);
    const again = await RunningVm.start(host, stopped);
    expect(await read(again)).to.equal(pcr16);
    again.stop();

    const stateKey = deriveVmSubkey(vmKey, 'vm-vtpm', 'vtpmState');
    expect(() => openVtpmState(stateKey, 'vm-other', stopped.vtpmState)).to.throw(VtpmStateError, /does not authenticate/);
    const flipped = Buffer.from(stopped.vtpmState);
    flipped[flipped.length - 1]! ^= 1;
    expect(() => openVtpmState(stateKey, 'vm-vtpm', flipped)).to.throw(VtpmStateError, /does not authenticate/);
    expect(() => openVtpmState(stateKey, 'vm-vtpm', record.vtpmState, 2n)).to.throw(VtpmStateError, /rollback/);
    expect(openVtpmState(stateKey, 'vm-vtpm', stopped.vtpmState, 2n).generation).to.equal(2n);
  });

  it('a VM does not start on a host whose kernel changed; the error names PCR 9', async () => {
    const other = await Host.create({ seed: Buffer.from('upgrade host'), ca: await ManufacturerCa.create() });
    await other.boot(exampleBootChain('1.0'));
    const record = await createVmRecord(other, { vmId: 'vm-moved', memoryPages: 4 }, new LocalVmKeySource());
    await other.boot({ ...exampleBootChain('1.0'), hypervisorKernel: Buffer.from('unapproved kernel') });
    const err = await RunningVm.start(other, record).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(BootMeasurementsChangedError);
    expect((err as Error).message).to.match(/VM vm-moved cannot start.*PCR 9 \(hypervisorKernel\)/);
  });
});
