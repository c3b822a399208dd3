import { PAGE_SIZE, RunningVm } from '@vtpm/hypervisor';
import { RECORD } from '../channel/recordTypes.js';
import { readMigrationEpoch } from '../epoch/migrationEpoch.js';
import { refuseMigration, runDestinationHandshake } from '../handshake/destinationHandshake.js';
import type { FramedSocket } from '../wire/framedSocket.js';
import { decodeRegisters } from '../vcpuCodec.js';
import type { VmHost } from '../vmHost.js';

/**
 * The destination's side of one migration. Pages are staged as the ciphertext they are (XTS
 * under the VM's memory key); only after the key arrives, is sealed here and the VM record
 * opens, does a VM exist; it runs only once the source says commit.
 */
export async function receiveMigration(target: VmHost, socket: FramedSocket, timeoutMs: number, named: (vmId: string) => void): Promise<void> {
  const { hello, stream, scrub } = await runDestinationHandshake(socket, target, timeoutMs, async (hello) => {
    named(hello.vmId);
    const accepted = target.acceptedEpochs.get(hello.vmId) ?? 0n;
    if (BigInt(hello.epoch) <= accepted) await refuseMigration(socket, 'stale-epoch', `stale-epoch: migration epoch ${hello.epoch} of ${hello.vmId} is not newer than ${accepted}, already accepted here`);
    if (target.vms.has(hello.vmId)) await refuseMigration(socket, 'vm-exists', `vm-exists: ${hello.vmId} already runs here`);
  });
  const epoch = BigInt(hello.epoch);
  const { config } = hello;
  const staged = Buffer.alloc(config.memoryPages * PAGE_SIZE);
  const registers: Buffer[] = [];
  let vtpmState: Buffer | undefined;
  let vmKey: Buffer | undefined;
  let vm: RunningVm | undefined;
  try {
    for (let done = false; !done; ) {
      const r = await stream.receive();
      switch (r.type) {
        case RECORD.page:
          if (r.body.length !== PAGE_SIZE || r.gpa % PAGE_SIZE || r.gpa + PAGE_SIZE > staged.length) throw new Error(`page record for gpa 0x${r.gpa.toString(16)} is outside the VM`);
          r.body.copy(staged, r.gpa);
          break;
        case RECORD.roundEnd: break;
        case RECORD.vcpu: registers[r.gpa] = r.body; break;
        case RECORD.vtpmState: vtpmState = r.body; break;
        case RECORD.vmKey: vmKey = r.body; break;
        case RECORD.stopCopyDone: done = true; break;
        default: throw new Error(`unexpected record type ${r.type} during transfer`);
      }
    }
    if (!vmKey || !vtpmState) throw new Error('stream ended without the VM key and vTPM state');
    // Seal K_vm to this host's own PCRs, then start from the sealed copy: proves this TPM opens it.
    const sealedKey = await target.host.sealVmKey(config.vmId, vmKey);
    vmKey.fill(0);
    vm = await RunningVm.start(target.host, { config, sealedKey, vtpmState, vtpmGeneration: vtpmState.readBigUInt64BE(5) });
    const vtpmEpoch = await readMigrationEpoch(vm.vtpmClient());
    if (vtpmEpoch !== epoch) throw new Error(`stale-epoch: the vTPM state carries migration epoch ${vtpmEpoch}, the stream announced ${epoch}: an old state blob`);
    staged.copy(vm.memory.hostView().ciphertext);
    vm.memory.dirty.takeDirty();
    registers.forEach((b, i) => vm!.vcpus[i]?.save(decodeRegisters(b)));
    await stream.send(RECORD.prepared, Buffer.alloc(0));
    await stream.expect(RECORD.commit);
    target.add(vm);
    target.acceptedEpochs.set(config.vmId, epoch);
    await stream.send(RECORD.committed, Buffer.alloc(0));
    socket.close();
  } catch (e) {
    vm?.stop(); // never resumed here: scrub it
    vmKey?.fill(0);
    throw e;
  } finally {
    staged.fill(0);
    scrub();
  }
}
