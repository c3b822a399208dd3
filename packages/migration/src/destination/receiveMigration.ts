import { randomBytes } from 'node:crypto';
import { RunningVm, releaseVtpmAnchor } from '@vtpm/hypervisor';
import { RECORD } from '../channel/recordTypes.js';
import { readMigrationEpoch } from '../epoch/migrationEpoch.js';
import { StagedMemory } from './stagedMemory.js';
import { memoryModeRefusal } from '../handshake/helloCheck.js';
import { MigrationRefusedError, refuseMigration, runDestinationHandshake, type DestinationHandshakeOptions } from '../handshake/destinationHandshake.js';
import type { IncomingAdmission } from './incomingAdmission.js';
import type { FramedSocket } from '../wire/framedSocket.js';
import { decodeRegisters } from '../vcpuCodec.js';
import type { VmHost } from '../vmHost.js';
import { decodeStopCopyDone } from '../commit/stopCopyDone.js';
import { commitIncoming, IncomingMigrationInDoubtError, prepareIncoming } from '../commit/destinationCommit.js';
import { oncePerPoint, type MigrationPoint, type MigrationPointHook } from '../progress/migrationPoint.js';

export interface ReceiveOptions extends DestinationHandshakeOptions {
  /** The listener's staging budget: a hello whose memory does not fit is refused `insufficient-memory` before anything is allocated. */
  admission?: IncomingAdmission;
  /** Test hook (fault injection): called as the destination reaches each MigrationPoint; throwing there fails the migration at that point. */
  atPoint?: MigrationPointHook;
}

/** Which point a record's arrival marks on the destination. */
const POINT_OF_RECORD: Partial<Record<number, MigrationPoint>> = {
  [RECORD.page]: 'pre-copy', [RECORD.pageBatch]: 'pre-copy', [RECORD.roundEnd]: 'pre-copy',
  [RECORD.vcpu]: 'stop-and-copy', [RECORD.vtpmState]: 'stop-and-copy',
  [RECORD.vmKey]: 'key-handover', [RECORD.stopCopyDone]: 'key-handover',
};

/**
 * The destination's side of one migration. Pages are staged as the ciphertext they are (XTS
 * under the VM's memory key); only after the key arrives, is sealed here and the VM record
 * opens, does a VM exist. It becomes durable as prepared-incoming before `prepared` is sent and
 * runs only once the source says commit; if the stream breaks after `prepared`, it stays
 * prepared (IncomingMigrationInDoubtError) until the source's decision is learnt.
 */
export async function receiveMigration(target: VmHost, socket: FramedSocket, options: ReceiveOptions, named: (vmId: string) => void): Promise<void> {
  const reach = oncePerPoint(options.atPoint);
  let releaseStaging: (() => void) | undefined;
  const { hello, stream, scrub, keyOutsideStream } = await runDestinationHandshake(socket, target, options, async (hello) => {
    named(hello.vmId);
    reach('handshake');
    const accepted = target.acceptedEpochs.get(hello.vmId) ?? 0n;
    if (BigInt(hello.epoch) <= accepted) await refuseMigration(socket, 'stale-epoch', `stale-epoch: migration epoch ${hello.epoch} of ${hello.vmId} is not newer than ${accepted}, already accepted here`);
    if (target.holds(hello.vmId)) await refuseMigration(socket, 'vm-exists', `vm-exists: ${hello.vmId} already is on this host`);
    const modeRefusal = memoryModeRefusal(hello.config, target.backingFileFor(hello.vmId) !== undefined);
    if (modeRefusal) await refuseMigration(socket, 'unsupported-memory-mode', modeRefusal);
    try {
      releaseStaging = options.admission?.reserve(hello.vmId, hello.config.memoryPages);
    } catch (e) {
      if (e instanceof MigrationRefusedError) await refuseMigration(socket, e.reason, e.message);
      throw e;
    }
  }).catch((e: unknown) => {
    releaseStaging?.();
    throw e;
  });
  const epoch = BigInt(hello.epoch);
  const { config } = hello;
  let staged: StagedMemory | undefined;
  const registers: Buffer[] = [];
  let vtpmState: Buffer | undefined;
  let vmKey: Buffer | undefined = keyOutsideStream; // broker mode: fetched by this host, never sent by the source
  let vm: RunningVm | undefined;
  let stopCopyDone: Buffer | undefined;
  let prepared: RunningVm | undefined;
  let committed = false;
  try {
    reach('attestation');
    // A durable host writes the pages through to the VM's memory file as they arrive, into a file of
    // this attempt's own: a concurrent hello for the same VM and epoch must not truncate or delete it.
    staged = new StagedMemory(config.memoryPages, target.backingFileFor(config.vmId, `incoming-${epoch}-${randomBytes(4).toString('hex')}`), config.mode);
    for (let done = false; !done; ) {
      const r = await stream.receive();
      reach(POINT_OF_RECORD[r.type] ?? 'pre-copy');
      switch (r.type) {
        case RECORD.page: staged.installPage(r); break;
        case RECORD.pageBatch: staged.installBatch(r); break;
        case RECORD.roundEnd: break;
        case RECORD.vcpu: registers[r.gpa] = r.body; break;
        case RECORD.vtpmState: vtpmState = r.body; break;
        case RECORD.vmKey:
          if (vmKey) throw new Error(`the source sent the VM key over the stream, but this host ${keyOutsideStream ? 'obtained it itself (broker mode or benchmark)' : 'already has it'}`);
          vmKey = r.body;
          break;
        case RECORD.stopCopyDone: stopCopyDone = r.body; done = true; break;
        default: throw new Error(`unexpected record type ${r.type} during transfer`);
      }
    }
    if (!vmKey || !vtpmState) throw new Error('stream ended without the VM key and vTPM state');
    const closing = decodeStopCopyDone(stopCopyDone);
    if (closing.epoch !== epoch) throw new Error(`stale-epoch: the stream's end names epoch ${closing.epoch}, its hello ${epoch}`);
    // Seal K_vm to this host's own PCRs, then start from the sealed copy: proves this TPM opens it.
    const sealedKey = await target.host.sealVmKey(config.vmId, vmKey);
    vmKey.fill(0);
    // The staged pages become the VM's memory as they are (taken over, not copied or rewritten: the guest is paused meanwhile).
    // Its vTPM state gets a rollback anchor in this host's TPM (the source's stays with the source).
    vm = await RunningVm.arrive(target.host, { config, sealedKey, vtpmState }, staged.handOver());
    // Without the stream's AEAD nothing vouches for a gcm VM's tags and versions: authenticate every page now (TDX's import check), while it can still be refused.
    if (!stream.encrypted) vm.memory.checkIntegrity();
    const vtpmEpoch = await readMigrationEpoch(vm.vtpmClient());
    if (vtpmEpoch !== epoch) throw new Error(`stale-epoch: the vTPM state carries migration epoch ${vtpmEpoch}, the stream announced ${epoch}: an old state blob`);
    registers.forEach((b, i) => vm!.vcpus[i]?.save(decodeRegisters(b)));
    // Durable before `prepared` leaves; from here on only the source's decision may drop or run it.
    await prepareIncoming(target, { vm, epoch, ...(closing.resolveAt ? { source: closing.resolveAt } : {}), resolutionKey: closing.resolutionKey });
    [prepared, vm] = [vm, undefined];
    await stream.send(RECORD.prepared, Buffer.alloc(0));
    reach('prepared');
    await stream.expect(RECORD.commit);
    reach('commit-decided');
    await commitIncoming(target, config.vmId);
    committed = true;
    reach('committed');
    await stream.send(RECORD.committed, Buffer.alloc(0));
    socket.socket.end(); // flushes `committed` first
  } catch (e) {
    if (vm) await dropArrival(target, vm); // never prepared here: scrub it
    vmKey?.fill(0);
    if (committed) return; // it runs here; a source that missed `committed` learns it by asking
    const incoming = target.incoming.get(config.vmId);
    if (prepared && incoming?.vm === prepared) {
      incoming.inDoubt = true;
      throw new IncomingMigrationInDoubtError(config.vmId, epoch, e);
    }
    throw e;
  } finally {
    if (!vm && !prepared) staged?.discard(); // once a VM exists the staged pages are its memory: vm.stop() scrubs them
    scrub();
    releaseStaging?.();
  }
}

/** A VM that arrived but was never prepared here: scrubbed, and its new anchor released unless a record here names it. */
async function dropArrival(target: VmHost, vm: RunningVm): Promise<void> {
  vm.stop();
  const stored = await target.journal.loadVm(vm.vmId).catch(() => undefined);
  if (stored?.record.vtpmAnchor !== vm.vtpmAnchor) await releaseVtpmAnchor(target.host, vm.vtpmAnchor).catch(() => undefined);
}
