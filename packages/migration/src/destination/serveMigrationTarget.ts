import { createServer, type AddressInfo, type Server } from 'node:net';
import { PAGE_SIZE, RunningVm } from '@vtpm/hypervisor';
import { attestationBinding, Transcript } from '../handshake/transcript.js';
import { b64, decodeHandshake, encodeHandshake, HANDSHAKE, unb64, type Hello, type KeyShare } from '../handshake/handshakeMessages.js';
import { deriveStreamKeys, ephemeralKeyPair, scrubStreamKeys } from '../channel/streamKeys.js';
import { SecureStream } from '../channel/secureStream.js';
import { RECORD } from '../channel/recordTypes.js';
import { quoteForMigration } from '../attestation/quoteForMigration.js';
import { readMigrationEpoch } from '../epoch/migrationEpoch.js';
import { FramedSocket } from '../wire/framedSocket.js';
import { decodeRegisters } from '../vcpuCodec.js';
import type { VmHost } from '../vmHost.js';

export interface TargetOptions {
  port: number;
  host?: string;
  timeoutMs?: number;
  /** Called once per incoming migration: the VM id and `committed` or the reason it was dropped. */
  onOutcome?: (vmId: string, outcome: { committed: boolean; error?: Error }) => void;
}

export interface MigrationTarget {
  address: string;
  close(): Promise<void>;
}

/** Listens for migrations into `target` (loopback by default). Each connection is one migration. */
export async function serveMigrationTarget(target: VmHost, options: TargetOptions): Promise<MigrationTarget> {
  const server: Server = createServer((socket) => {
    let vmId = '?';
    receiveMigration(target, new FramedSocket(socket), options.timeoutMs ?? 10_000, (id) => (vmId = id)).then(
      () => options.onOutcome?.(vmId, { committed: true }),
      (error: Error) => { socket.destroy(); options.onOutcome?.(vmId, { committed: false, error }); },
    );
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(options.port, options.host ?? '127.0.0.1', resolve); });
  const { address, port } = server.address() as AddressInfo;
  return { address: `${address}:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * The destination's side of one migration. Pages are staged as the ciphertext they are (XTS
 * under the VM's memory key); only after the key arrives, is sealed here and the VM record
 * opens, does a VM exist; it runs only once the source says commit.
 */
async function receiveMigration(target: VmHost, socket: FramedSocket, timeoutMs: number, named: (vmId: string) => void): Promise<void> {
  const transcript = new Transcript();
  const helloFrame = await socket.next(timeoutMs);
  const hello = decodeHandshake<Hello>(helloFrame, HANDSHAKE.hello);
  named(hello.vmId);
  transcript.add(helloFrame);
  const epoch = BigInt(hello.epoch);
  const accepted = target.acceptedEpochs.get(hello.vmId) ?? 0n;
  const refuse = async (reason: string, message: string) => {
    await socket.send(encodeHandshake(HANDSHAKE.refusal, { reason, message })).catch(() => undefined);
    throw new Error(message);
  };
  if (epoch <= accepted) await refuse('stale-epoch', `stale-epoch: migration epoch ${epoch} of ${hello.vmId} is not newer than ${accepted}, already accepted here`);
  if (target.vms.has(hello.vmId)) await refuse('vm-exists', `vm-exists: ${hello.vmId} already runs here`);

  const own = ephemeralKeyPair();
  const qualifyingData = attestationBinding(unb64(hello.nonce), own.getPublicKey(), transcript.hash());
  const attestationFrame = encodeHandshake(HANDSHAKE.attestation, { ephemeralPublicKey: b64(own.getPublicKey()), evidence: b64(await quoteForMigration(target.host, qualifyingData)) });
  transcript.add(attestationFrame);
  await socket.send(attestationFrame);
  const keyShareFrame = await socket.next(timeoutMs);
  const share = decodeHandshake<KeyShare>(keyShareFrame, HANDSHAKE.keyShare);
  transcript.add(keyShareFrame);
  const keys = deriveStreamKeys(own, unb64(share.ephemeralPublicKey), transcript.hash());
  const stream = new SecureStream(socket, keys.destinationToSource, keys.sourceToDestination, timeoutMs);

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
    scrubStreamKeys(keys);
  }
}
