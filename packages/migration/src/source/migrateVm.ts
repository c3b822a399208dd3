import { connect } from 'node:net';
import { RECORD } from '../channel/recordTypes.js';
import { runSourceHandshake } from '../handshake/sourceHandshake.js';
import type { AttestationOutcome } from '../attestation/verifyDestination.js';
import { preCopy, sendPages, type PreCopyOptions } from './preCopy.js';
import { autoConvergeSchedule } from './convergence.js';
import type { MigrationPolicy } from '../attestation/migrationPolicy.js';
import { quoteForMigration } from '../attestation/quoteForMigration.js';
import type { ChannelAuth } from '../auth/channelAuth.js';
import type { KeyRelease } from '../handshake/handshakeMessages.js';
import { tamperOutgoing, type FrameTamper } from '../channel/frameTamper.js';
import { beginOutgoing, completeOutgoing, decideCommit, endAttempt } from '../commit/sourceCommit.js';
import { encodeStopCopyDone } from '../commit/stopCopyDone.js';
import type { MigrationPointHook } from '../progress/migrationPoint.js';
import type { MigrationAttempt, OutgoingMigration } from '../vmHost.js';
import { FramedSocket } from '../wire/framedSocket.js';
import { parseAddress } from '../wire/address.js';
import { encodeRegisters } from '../vcpuCodec.js';
import type { PausableGuest } from '../workload/dirtyingWorkload.js';
import type { MigrationPhase, MigrationProgress, MigrationReport } from '../progress/migrationProgress.js';
import type { VmHost } from '../vmHost.js';

export interface MigrateOptions extends PreCopyOptions {
  policy: MigrationPolicy;
  /** How this host authenticates the destination daemon (required; `{ none: true }` only if the destination says so too). */
  auth: ChannelAuth;
  /** 'stream' (default): the VM key goes under the stream key after attestation; 'broker': the destination fetches it from the key broker and it never crosses the stream. */
  keyRelease?: KeyRelease;
  /** Default true. false is the benchmark baseline: records in clear; the VM key is then never sent (the destination must get it elsewhere). */
  streamEncryption?: boolean;
  /** The guest's vCPUs: throttled by auto-converge during pre-copy, paused for stop-and-copy, resumed if the migration aborts. */
  guest?: PausableGuest;
  /** Per-message timeout (default 10 s). */
  timeoutMs?: number;
  onProgress?: (p: MigrationProgress) => void;
  /** Test hook: every outgoing frame passes through here (corrupt, replay, drop, cut). */
  tamper?: FrameTamper;
  /** "host:port" where this host's daemon answers questions about the migration if the stream breaks (the destination then asks for the decision). */
  resolveAt?: string;
  /** Test hook (fault injection): called as the source reaches each MigrationPoint; throwing there fails the migration at that point. */
  atPoint?: MigrationPointHook;
}

export class MigrationAbortedError extends Error {
  override name = 'MigrationAbortedError';
  constructor(readonly phase: MigrationPhase, override readonly cause: unknown, readonly attestation?: AttestationOutcome) {
    super(`migration aborted in ${phase}: ${cause instanceof Error ? cause.message : String(cause)}; the VM keeps running on the source`);
  }
}

/**
 * The commit decision is durable here but the destination's `committed` never arrived: the VM
 * stays paused on the source (VmHost.outgoing) until resolveInDoubt (or a host daemon, on its
 * own) learns the destination's state.
 */
export class MigrationInDoubtError extends Error {
  override name = 'MigrationInDoubtError';
  constructor(readonly vmId: string, override readonly cause: unknown, readonly epoch?: bigint, readonly destination?: string) {
    super(`migration of ${vmId} in doubt: commit was decided but not acknowledged (${cause instanceof Error ? cause.message : String(cause)}); the VM stays paused on the source until the destination is asked (resolveInDoubt)`);
  }
}

/**
 * Moves `vmId` from `source` to the migration target at `destinationAddress` ("host:port").
 * Nothing secret moves before the destination's quote verified against `options.policy`; until
 * the destination confirms commit, any failure leaves the VM running here with its memory intact.
 */
export async function migrateVm(source: VmHost, vmId: string, destinationAddress: string, options: MigrateOptions): Promise<MigrationReport> {
  const vm = source.vm(vmId);
  const timeoutMs = options.timeoutMs ?? 10_000;
  autoConvergeSchedule(options.autoConverge); // a bad schedule is refused before anything starts
  const started = performance.now();
  let phase: MigrationPhase = 'handshake';
  let attestation: AttestationOutcome | undefined;
  let paused = false;
  let pausedAt = 0;
  const socket = new FramedSocket(connect(parseAddress(destinationAddress)));
  if (options.tamper) tamperOutgoing(socket, options.tamper);
  const progress = (p: Omit<MigrationProgress, 'phase' | 'elapsedMs'>) => options.onProgress?.({ phase, elapsedMs: performance.now() - started, ...p });
  let vmKey: Buffer | undefined;
  let attempt: MigrationAttempt | undefined;
  let decided: OutgoingMigration | undefined;
  const reach = options.atPoint ?? (() => undefined);
  let scrubKeys = () => {};
  try {
    await new Promise<void>((resolve, reject) => { socket.socket.once('connect', resolve); socket.socket.once('error', reject); });
    reach('handshake');
    attempt = await beginOutgoing(source, vm); // the epoch goes up and is checkpointed before anyone hears it
    const { epoch } = attempt;
    const keyRelease = options.keyRelease ?? 'stream';
    const streamEncryption = options.streamEncryption ?? true;
    const channel = await runSourceHandshake(socket, {
      auth: options.auth,
      hello: { vmId, policyId: options.policy.id, epoch: epoch.toString(), config: vm.record.config, keyRelease, streamEncryption },
      policy: options.policy,
      timeoutMs,
      attestSelf: (qualifyingData) => quoteForMigration(source.host, qualifyingData),
      onAuthenticated: () => (phase = 'attestation'),
      onAttestation: (outcome) => (attestation = outcome),
    });
    scrubKeys = channel.scrub;
    const { stream } = channel;
    reach('attestation');

    phase = 'pre-copy';
    reach('pre-copy');
    const preCopied = await preCopy(stream, vm, options, progress);
    let { round, pagesSent } = preCopied;
    let n: number;

    phase = 'stop-and-copy';
    options.guest?.pause();
    paused = true;
    pausedAt = performance.now();
    reach('stop-and-copy');
    round++;
    n = await sendPages(stream, vm, vm.memory.dirty.takeDirty(), round);
    pagesSent += n;
    for (const vcpu of vm.vcpus) await stream.send(RECORD.vcpu, encodeRegisters(vcpu.load()), round, vcpu.index);
    await stream.send(RECORD.vtpmState, vm.hostState().vtpmState, round);
    progress({ round, roundPages: n, pagesSent, dirtyPagesPerSecond: 0, remainingDirtyPages: 0, bytesSent: stream.bytesSent });

    phase = 'key-handover';
    reach('key-handover');
    // Only now, after attestation succeeded, and never over a clear stream or in broker mode (the destination fetches it itself).
    if (keyRelease === 'stream' && stream.encrypted) {
      vmKey = await source.host.unsealVmKey(vm.record.sealedKey);
      await stream.send(RECORD.vmKey, vmKey, round);
      vmKey.fill(0);
    }
    await stream.send(RECORD.stopCopyDone, encodeStopCopyDone({ epoch, ...(options.resolveAt ? { resolveAt: options.resolveAt } : {}), resolutionKey: attempt.resolutionKey }), round);
    await stream.expect(RECORD.prepared);
    reach('prepared');

    // Two-phase commit, this host coordinating: the decision is durable before `commit` leaves.
    phase = 'commit';
    decided = await decideCommit(source, attempt, destinationAddress, options.guest);
    reach('commit-decided');
    await stream.send(RECORD.commit, Buffer.alloc(0), round);
    await stream.expect(RECORD.committed);
    reach('committed');
    const downtimeMs = performance.now() - pausedAt;
    await completeOutgoing(source, vmId); // forgets the record, then scrubs pages, vCPU save areas and subkeys
    socket.close();
    scrubKeys();
    phase = 'done';
    const totalMs = performance.now() - started;
    progress({ round, roundPages: 0, pagesSent, dirtyPagesPerSecond: 0, remainingDirtyPages: 0, bytesSent: stream.bytesSent });
    return { vmId, destination: destinationAddress, epoch, totalMs, downtimeMs, rounds: round, pagesSent, bytesSent: stream.bytesSent, throughputMBps: stream.bytesSent / 1e6 / (totalMs / 1000), maxThrottlePercent: preCopied.throttlePercent, attestation: channel.attestation };
  } catch (cause) {
    vmKey?.fill(0);
    scrubKeys();
    socket.close();
    if (attempt) endAttempt(source, attempt);
    // After the decision the destination may be running it: stay paused rather than risk two copies.
    if (decided) {
      decided.inDoubt = true;
      throw new MigrationInDoubtError(vmId, cause, decided.epoch, destinationAddress);
    }
    if (paused) options.guest?.resume();
    throw new MigrationAbortedError(phase, cause, attestation);
  } finally {
    // Auto-converge's throttle ends with the migration: after commit the VM is gone, after an abort
    // (or once an in-doubt migration is settled) the guest runs here at full speed again.
    options.guest?.throttle?.(0);
  }
}
