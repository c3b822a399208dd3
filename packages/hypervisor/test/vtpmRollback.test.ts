import { expect } from 'chai';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManufacturerCa } from '@vtpm/attest';
import { NV_DefineSpace, NV_Increment, NV_Read, NV_ReadPublic, NV_UndefineSpace, PCR_Extend, PCR_Read, Startup, TPM_ALG, TPM_RH, TPM_SU, TPMA_NV, pcrBitmap } from '@vtpm/tpm';
import {
  AnchoredVmEntries, Host, LocalVmKeySource, RunningVm, VTPM_ANCHOR_FIRST, VtpmStateError, createVmRecord, exampleBootChain, hostBoot, hostInit, listVtpmAnchors, loadHost,
  loadVmRecord, raiseVtpmAnchor, readVtpmStateHeader, saveVmRecord, vmCreate, vmStart, vmStop, type VmRecord,
} from '../src/index.js';

const OWNER = [{ password: '' }];
const refusal = (p: Promise<unknown>) => p.then(() => expect.fail('expected a refusal'), (e: unknown) => e as Error);

/** The anchor's count read straight from the host TPM (NV_Read): the oracle, not the code under test. */
async function counterOf(host: Host, index: number): Promise<bigint> {
  const { data } = await host.client.run(NV_Read, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index }, auth: OWNER, params: { size: 8, offset: 0 } });
  return data.readBigUInt64BE(0);
}

/** The guest's firmware starts its vTPM and measures something into PCR 16: state the vTPM must keep. */
async function measureIntoPcr16(vm: RunningVm, fill: number): Promise<void> {
  const client = vm.vtpmClient();
  await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } }).catch(() => undefined); // already started after a restart
  await client.run(PCR_Extend, { handles: { pcrHandle: 16 }, auth: OWNER, params: { digests: [{ hashAlg: TPM_ALG.SHA256, digest: Buffer.alloc(32, fill) }] } });
}
const pcr16 = async (vm: RunningVm) => (await vm.vtpmClient().run(PCR_Read, { params: { pcrSelectionIn: [{ hash: TPM_ALG.SHA256, pcrSelect: pcrBitmap([16]) }] } })).pcrValues[0]!.toString('hex');

async function bootedHost(seed: string): Promise<Host> {
  const host = await Host.create({ seed: Buffer.from(seed), ca: await ManufacturerCa.create() });
  await host.boot(exampleBootChain('1.0'));
  return host;
}

describe('vTPM rollback protection: an NV counter in the host TPM anchors each VM\'s vTPM state', function () {
  this.timeout(60000);
  let dir: string;
  const recordFile = (vmId: string) => join(dir, 'vms', `${vmId}.json`);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vtpm-rollback-'));
    await hostInit(dir, { ca: await ManufacturerCa.create() });
    await hostBoot(dir, exampleBootChain('1.0'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a stopped VM whose record and envelope are rolled back to an older copy is refused, naming both generations', async () => {
    await vmCreate(dir, { vmId: 'vm-r', memoryPages: 2 });
    const created = readFileSync(recordFile('vm-r'));
    const vm = await vmStart(dir, 'vm-r');
    await measureIntoPcr16(vm, 0x11);
    const measured = await pcr16(vm);
    await vmStop(dir, vm);

    // Independently: the stored envelope is generation 2 and the host TPM's counter on disk says 2.
    const latest = readFileSync(recordFile('vm-r'));
    const stopped = await loadVmRecord(dir, 'vm-r');
    expect(readVtpmStateHeader(stopped.vtpmState).generation).to.equal(2n);
    expect(await counterOf(await loadHost(dir), stopped.vtpmAnchor)).to.equal(2n);

    writeFileSync(recordFile('vm-r'), created); // the administrator restores the record from before the run
    const err = await refusal(vmStart(dir, 'vm-r'));
    expect(err).to.be.instanceOf(VtpmStateError);
    expect(err.message).to.match(/generation 1 of VM vm-r is older than 2, the count of its rollback anchor \(host TPM NV counter 0x01c20000\).*rollback/);

    writeFileSync(recordFile('vm-r'), latest);
    const again = await vmStart(dir, 'vm-r'); // positive control: the newest state still opens, with the guest's measurement
    expect(await pcr16(again)).to.equal(measured);
    await vmStop(dir, again);
  });

  it('a record whose anchor index was swapped, or names no counter, is refused; the envelope\'s own copy of the index is authenticated', async () => {
    await vmCreate(dir, { vmId: 'vm-a', memoryPages: 2 });
    await vmCreate(dir, { vmId: 'vm-b', memoryPages: 2 });
    const a = await loadVmRecord(dir, 'vm-a');
    const b = await loadVmRecord(dir, 'vm-b');
    expect([a.vtpmAnchor, b.vtpmAnchor]).to.deep.equal([VTPM_ANCHOR_FIRST, VTPM_ANCHOR_FIRST + 1]);
    const host = await loadHost(dir);

    const swapped = await refusal(RunningVm.start(host, { ...a, vtpmAnchor: b.vtpmAnchor }));
    expect(swapped).to.be.instanceOf(VtpmStateError);
    expect(swapped.message).to.match(/anchored to host TPM NV counter 0x01c20000, but its record names host TPM NV counter 0x01c20001: the record's anchor was swapped/);

    const undefinedIndex = await refusal(RunningVm.start(host, { ...a, vtpmAnchor: VTPM_ANCHOR_FIRST + 7 }));
    expect(undefinedIndex.message).to.match(/rollback anchor of VM vm-a, host TPM NV counter 0x01c20007, is not defined in this host's TPM/);

    const outOfRange = await refusal(RunningVm.start(host, { ...a, vtpmAnchor: 0x01c10100 }));
    expect(outOfRange.message).to.match(/outside 0x01c20000-0x01c2ffff: the record was altered/);

    // Swapping the envelope's header index along with the record's breaks the envelope's authentication.
    const edited = Buffer.from(a.vtpmState);
    edited.writeUInt32BE(b.vtpmAnchor, 13);
    expect(readVtpmStateHeader(edited).anchor.index).to.equal(b.vtpmAnchor);
    const forged = await refusal(RunningVm.start(host, { ...a, vtpmState: edited, vtpmAnchor: b.vtpmAnchor }));
    expect(forged.message).to.match(/does not authenticate/);

    expect((await RunningVm.start(host, a)).stop().vtpmGeneration).to.equal(2n); // the unaltered record starts
  });

  it('a crash between writing the envelope and counting the anchor leaves the VM startable; the anchor catches up at start', async () => {
    await vmCreate(dir, { vmId: 'vm-c', memoryPages: 2 });
    const created = readFileSync(recordFile('vm-c'));
    const vm = await vmStart(dir, 'vm-c');
    await measureIntoPcr16(vm, 0x22);
    const measured = await pcr16(vm);
    const stopped = vm.stop();
    await saveVmRecord(dir, stopped); // written durably... and the process dies before the counter moves
    expect(stopped.vtpmGeneration).to.equal(2n);
    expect(await counterOf(await loadHost(dir), stopped.vtpmAnchor)).to.equal(1n); // one behind the envelope

    const restarted = await vmStart(dir, 'vm-c'); // vmStart saves the host TPM after starting
    expect(await pcr16(restarted)).to.equal(measured);
    expect(await counterOf(await loadHost(dir), stopped.vtpmAnchor)).to.equal(2n);
    restarted.stop();

    writeFileSync(recordFile('vm-c'), created);
    expect((await refusal(vmStart(dir, 'vm-c'))).message).to.match(/generation 1 of VM vm-c is older than 2/);
  });

  it('a migrated VM gets an anchor on the destination: checkpoint/stop/start work there, and the source\'s envelope is refused there', async () => {
    const source = await bootedHost('rollback source');
    const destination = await bootedHost('rollback destination');
    const keys = new LocalVmKeySource();
    const record = await createVmRecord(source, { vmId: 'vm-m', memoryPages: 2 }, keys);
    const onSource = await RunningVm.start(source, record);
    await measureIntoPcr16(onSource, 0x33);
    const measured = await pcr16(onSource);
    const sent = onSource.hostState().vtpmState; // what the stop-and-copy phase carries
    const sourceStopped = onSource.stop();

    // The destination seals the key to its own PCRs (migration's key handover) and starts the arriving VM.
    const vmKey = await keys.fetchKey('vm-m');
    const sealedKey = await destination.sealVmKey('vm-m', vmKey);
    vmKey.fill(0);
    const arrived = await RunningVm.arrive(destination, { config: record.config, sealedKey, vtpmState: sent });
    expect(arrived.vtpmAnchor).to.equal(record.vtpmAnchor); // the same handle number as on the source...
    const destinationAnchor = (await destination.client.run(NV_ReadPublic, { handles: { nvIndex: arrived.vtpmAnchor }, params: {} })).nvName;
    const sourceAnchor = (await source.client.run(NV_ReadPublic, { handles: { nvIndex: record.vtpmAnchor }, params: {} })).nvName;
    expect(destinationAnchor.equals(sourceAnchor)).to.equal(false); // ...but another counter
    expect(await pcr16(arrived)).to.equal(measured);

    const checkpoint = arrived.checkpoint();
    await raiseVtpmAnchor(destination, checkpoint);
    await measureIntoPcr16(arrived, 0x44);
    const remeasured = await pcr16(arrived);
    const stopped = arrived.stop();
    await raiseVtpmAnchor(destination, stopped);
    expect(stopped.vtpmGeneration).to.equal(checkpoint.vtpmGeneration + 1n);
    expect(await counterOf(destination, stopped.vtpmAnchor)).to.equal(stopped.vtpmGeneration);
    const restarted = await RunningVm.start(destination, stopped);
    expect(await pcr16(restarted)).to.equal(remeasured);
    restarted.stop();

    const olderCheckpoint = await refusal(RunningVm.start(destination, checkpoint));
    expect(olderCheckpoint.message).to.match(new RegExp(`generation ${checkpoint.vtpmGeneration} of VM vm-m is older than ${stopped.vtpmGeneration}.*rollback`));
    for (const old of [sent, sourceStopped.vtpmState]) {
      const err = await refusal(RunningVm.start(destination, { ...stopped, vtpmState: old }));
      expect(err).to.be.instanceOf(VtpmStateError);
      expect(err.message).to.match(/host TPM NV counter 0x01c20000 in this host's TPM is not the counter VM vm-m's vTPM state was sealed against \(their Names differ\)/);
    }
  });

  it('re-defining the anchor counter, even with its exact public area, cannot lower it', async () => {
    const host = await bootedHost('rollback redefine');
    const record = await createVmRecord(host, { vmId: 'vm-d', memoryPages: 2 }, new LocalVmKeySource());
    const vm = await RunningVm.start(host, record);
    await measureIntoPcr16(vm, 0x55);
    const stopped = vm.stop();
    await raiseVtpmAnchor(host, stopped);
    const index = stopped.vtpmAnchor;
    expect(await counterOf(host, index)).to.equal(2n);

    // The administrator (owner auth) deletes the counter and defines it again with the same public area.
    const before = await host.client.run(NV_ReadPublic, { handles: { nvIndex: index }, params: {} });
    await host.client.run(NV_UndefineSpace, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index }, auth: OWNER, params: {} });
    const publicInfo = { ...before.nvPublic, attributes: (before.nvPublic.attributes & ~TPMA_NV.WRITTEN) >>> 0 };
    await host.client.run(NV_DefineSpace, { handles: { authHandle: TPM_RH.OWNER }, auth: OWNER, params: { auth: Buffer.alloc(0), publicInfo } });
    await host.client.run(NV_Increment, { handles: { authHandle: TPM_RH.OWNER, nvIndex: index }, auth: OWNER, params: {} });
    const after = await host.client.run(NV_ReadPublic, { handles: { nvIndex: index }, params: {} });
    expect(after.nvName.equals(before.nvName)).to.equal(true); // indistinguishable by Name...
    expect(await counterOf(host, index)).to.equal(3n); // ...but it starts above the deleted count (2), not at 1

    for (const r of [record, stopped] as VmRecord[]) {
      const err = await refusal(RunningVm.start(host, r));
      expect(err.message).to.match(new RegExp(`generation ${r.vtpmGeneration} of VM vm-d is older than 3.*rollback`));
    }
  });

  it('a VM removed from the host releases its anchor, and the next VM\'s anchor at that handle starts above every state it anchored', async () => {
    await vmCreate(dir, { vmId: 'vm-x', memoryPages: 2 });
    const vm = await vmStart(dir, 'vm-x');
    await vmStop(dir, vm);
    const stopped = await loadVmRecord(dir, 'vm-x');
    copyFileSync(recordFile('vm-x'), join(dir, 'vm-x.saved'));
    const host = await loadHost(dir);
    const entries = new AnchoredVmEntries(dir, host);
    await entries.remove('vm-x');
    expect(await listVtpmAnchors((await loadHost(dir)).client)).to.deep.equal([]); // released on disk too

    const next = await createVmRecord(host, { vmId: 'vm-y', memoryPages: 2 }, new LocalVmKeySource());
    await entries.save({ record: next, state: 'stopped' });
    expect(next.vtpmAnchor).to.equal(stopped.vtpmAnchor);
    expect(next.vtpmGeneration > stopped.vtpmGeneration).to.equal(true); // released at 2, counted once more: 3; the next counter starts at 4
    expect(next.vtpmGeneration).to.equal(4n);

    copyFileSync(join(dir, 'vm-x.saved'), recordFile('vm-x')); // the administrator brings the removed VM back
    expect((await refusal(vmStart(dir, 'vm-x'))).message).to.match(/is not the counter VM vm-x's vTPM state was sealed against/);

    // An anchor allocated but never named by a record (a crash in between) is swept.
    const orphan = await createVmRecord(host, { vmId: 'vm-z', memoryPages: 2 }, new LocalVmKeySource());
    rmSync(recordFile('vm-x'));
    expect(await entries.releaseUnnamedAnchors()).to.deep.equal([orphan.vtpmAnchor]);
    expect(await listVtpmAnchors(host.client)).to.deep.equal([next.vtpmAnchor]);
  });
});
