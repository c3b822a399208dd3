import { connect } from 'node:net';
import { RECORD } from '../channel/recordTypes.js';
import { runSourceHandshake } from '../handshake/sourceHandshake.js';
import type { AttestationOutcome } from '../attestation/verifyDestination.js';
import { preCopy, sendPages, type PreCopyOptions } from './preCopy.js';
import type { MigrationPolicy } from '../attestation/migrationPolicy.js';
import { advanceMigrationEpoch } from '../epoch/migrationEpoch.js';
import { FramedSocket } from '../wire/framedSocket.js';
import { parseAddress } from '../wire/address.js';
import { encodeRegisters } from '../vcpuCodec.js';
import type { PausableGuest } from '../workload/dirtyingWorkload.js';
import type { MigrationPhase, MigrationProgress, MigrationReport } from '../progress/migrationProgress.js';
import type { VmHost } from '../vmHost.js';

export interface MigrateOptions extends PreCopyOptions {
  policy: MigrationPolicy;
  /** The guest's vCPUs: paused for stop-and-copy, resumed if the migration aborts. */
  guest?: PausableGuest;
  /** Per-message timeout (default 10 s). */
  timeoutMs?: number;
  onProgress?: (p: MigrationProgress) => void;
  /** Test hook: every outgoing frame passes through here (corrupt, replay, drop, cut). */
  tamper?: (frame: Buffer, index: number, socket: FramedSocket) => Buffer | Buffer[] | null;
}

export class MigrationAbortedError extends Error {
  override name = 'MigrationAbortedError';
  constructor(readonly phase: MigrationPhase, override readonly cause: unknown, readonly attestation?: AttestationOutcome) {
    super(`migration aborted in ${phase}: ${cause instanceof Error ? cause.message : String(cause)}; the VM keeps running on the source`);
  }
}

export class MigrationInDoubtError extends Error {
  override name = 'MigrationInDoubtError';
  constructor(readonly vmId: string, override readonly cause: unknown) {
    super(`migration of ${vmId} in doubt: commit was sent but not acknowledged (${cause instanceof Error ? cause.message : String(cause)}); the VM stays paused on the source`);
  }
}

/**
 * Moves `vmId` from `source` to the migration target at `destinationAddress` ("host:port").
 * Nothing secret moves before the destination's quote verified against `options.policy`; until
 * the destination confirms commit, any failure leaves the VM running here with its memory intact.
 */
export async function migrateVm(source: VmHost, vmId: string, destinationAddress: string, options: MigrateOptions): Promise<MigrationReport> {
  const vm = source.vm(vmId);
  if (vm.memory.mode !== 'xts') throw new Error(`VM ${vmId} uses ${vm.memory.mode} memory: migration supports xts only (gcm's per-page versions are not exportable yet)`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const started = performance.now();
  let phase: MigrationPhase = 'handshake';
  let attestation: AttestationOutcome | undefined;
  let paused = false;
  let pausedAt = 0;
  const socket = new FramedSocket(connect(parseAddress(destinationAddress)));
  if (options.tamper) {
    const send = socket.send.bind(socket);
    let index = 0;
    socket.send = async (frame: Buffer) => {
      const out = options.tamper!(frame, index++, socket);
      for (const f of out === null ? [] : Array.isArray(out) ? out : [out]) await send(f);
    };
  }
  const progress = (p: Omit<MigrationProgress, 'phase' | 'elapsedMs'>) => options.onProgress?.({ phase, elapsedMs: performance.now() - started, ...p });
  let vmKey: Buffer | undefined;
  let commitSent = false;
  let scrubKeys = () => {};
  try {
    await new Promise<void>((resolve, reject) => { socket.socket.once('connect', resolve); socket.socket.once('error', reject); });
    const epoch = await advanceMigrationEpoch(vm.vtpmClient());
    phase = 'attestation';
    const channel = await runSourceHandshake(socket, {
      hello: { vmId, policyId: options.policy.id, epoch: epoch.toString(), config: vm.record.config },
      policy: options.policy,
      timeoutMs,
      onAttestation: (outcome) => (attestation = outcome),
    });
    scrubKeys = channel.scrub;
    const { stream } = channel;

    phase = 'pre-copy';
    let { round, pagesSent } = await preCopy(stream, vm, options, progress);
    let n: number;

    phase = 'stop-and-copy';
    options.guest?.pause();
    paused = true;
    pausedAt = performance.now();
    round++;
    n = await sendPages(stream, vm, vm.memory.dirty.takeDirty(), round);
    pagesSent += n;
    for (const vcpu of vm.vcpus) await stream.send(RECORD.vcpu, encodeRegisters(vcpu.load()), round, vcpu.index);
    await stream.send(RECORD.vtpmState, vm.hostState().vtpmState, round);
    progress({ round, roundPages: n, pagesSent, dirtyPagesPerSecond: 0, remainingDirtyPages: 0, bytesSent: stream.bytesSent });

    phase = 'key-handover';
    vmKey = await source.host.unsealVmKey(vm.record.sealedKey); // only now, after attestation succeeded
    await stream.send(RECORD.vmKey, vmKey, round);
    vmKey.fill(0);
    await stream.send(RECORD.stopCopyDone, Buffer.from(epoch.toString()), round);
    await stream.expect(RECORD.prepared);

    phase = 'commit';
    await stream.send(RECORD.commit, Buffer.alloc(0), round);
    commitSent = true;
    await stream.expect(RECORD.committed);
    const downtimeMs = performance.now() - pausedAt;
    vm.stop(); // scrubs pages, vCPU save areas and the subkeys; the sealed record is discarded
    source.vms.delete(vmId);
    socket.close();
    scrubKeys();
    phase = 'done';
    const totalMs = performance.now() - started;
    progress({ round, roundPages: 0, pagesSent, dirtyPagesPerSecond: 0, remainingDirtyPages: 0, bytesSent: stream.bytesSent });
    return { vmId, destination: destinationAddress, epoch, totalMs, downtimeMs, rounds: round, pagesSent, bytesSent: stream.bytesSent, throughputMBps: stream.bytesSent / 1e6 / (totalMs / 1000), attestation: channel.attestation };
  } catch (cause) {
    vmKey?.fill(0);
    scrubKeys();
    socket.close();
    // After commit left, the destination may be running it: stay paused rather than risk two copies.
    if (commitSent) throw new MigrationInDoubtError(vmId, cause);
    if (paused) options.guest?.resume();
    throw new MigrationAbortedError(phase, cause, attestation);
  }
}
