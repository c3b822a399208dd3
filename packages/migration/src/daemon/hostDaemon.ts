import { BrokerVmKeySource, type VmKeySource } from '@vtpm/hypervisor';
import { BrokerClient } from '@vtpm/keybroker';
import { StorageLock, StorageLockError } from '@vtpm/server';
import type { MigrationPolicy } from '../attestation/migrationPolicy.js';
import type { ChannelAuth } from '../auth/channelAuth.js';
import { serveMigrationTarget, type MigrationTarget } from '../destination/serveMigrationTarget.js';
import { IncomingMigrationInDoubtError } from '../commit/destinationCommit.js';
import { restoreVmHost } from '../journal/restoreVmHost.js';
import type { MigrationPoint, MigrationPointHook, MigrationRole } from '../progress/migrationPoint.js';
import { migrateVm, MigrationInDoubtError } from '../source/migrateVm.js';
import type { VmHost } from '../vmHost.js';
import { DEFAULT_CONTROL_SOCKET, type ControlOps, type ControlRequest, type DaemonStatus } from './controlProtocol.js';
import { toControlError } from './controlErrors.js';
import { ControlRequestError, serveControl, type ControlServer } from './controlServer.js';
import { base64Param, checkMigrateRequest, checkVmIdParam } from './controlParams.js';
import { DaemonVms } from './daemonVms.js';
import { KILL_AT_ENV, killSwitch, parseKillAt } from './killSwitch.js';
import { migrationPolicyFromJson } from './migrationPolicyJson.js';
import { RecoveryLoop, type Settlement } from './recoveryLoop.js';

export interface HostDaemonOptions {
  /** A host directory after `vtpm host init` and `vtpm host boot`. */
  hostDir: string;
  /** Where migrations (and questions about in-doubt ones) come in. */
  listen: { host: string; port: number };
  /** How this daemon and its peers authenticate each other (both sides alike). */
  auth: ChannelAuth;
  /** The control socket (default DIR/run/host.sock). */
  controlSocket?: string;
  /** "host:port" peers reach this daemon at, told to destinations for their questions (default: the bound address). */
  advertise?: string;
  /** Key source for VMs created with keySource 'broker' and for incoming broker-mode migrations ... */
  brokerKeySource?: VmKeySource;
  /** ... or the key broker to build it from (this host enrolled there as hostId). */
  broker?: { url: string; hostId: string };
  /** Mutual attestation: every incoming migration's source host must pass this policy too (its quote over this daemon's nonce), or it is refused `source-attestation-failed` naming the PCRs. */
  requireSourceAttestation?: MigrationPolicy;
  /** Per-message timeout of migrations and questions (default 10 s). */
  timeoutMs?: number;
  /** Memory the migrations arriving at once may stage together (default half of this machine's memory); a hello beyond it is refused `insufficient-memory`. */
  maxStagedBytes?: number;
  /** TEST ONLY: called at every MigrationPoint of either role (throwing fails the migration there). VTPM_TEST_KILL_AT acts as well. */
  faultInjection?: { atPoint?: (role: MigrationRole, point: MigrationPoint) => void };
  /** Where the daemon reports what it does on its own (recovery); default nowhere. */
  log?: (line: string) => void;
}

export interface HostDaemon {
  /** The migration listener, "host:port" (as advertised). */
  readonly address: string;
  readonly controlSocket: string;
  readonly vmHost: VmHost;
  /** Resolves once the daemon stopped (shutdown, by call or over the control socket). */
  readonly closed: Promise<void>;
  runningVms(): string[];
  status(): DaemonStatus;
  /** Orderly stop: no new connections, migrations in flight end, VMs checkpointed and left durable. */
  shutdown(): Promise<void>;
  /** TEST ONLY: stops as a SIGKILL would (nothing checkpointed), so a new daemon can start on the same directory in this process. */
  crash(): Promise<void>;
}

/**
 * A host daemon: loads the host from its directory (one daemon per directory, locked), resumes
 * the VMs that were running, settles migrations left in doubt with their peers (retrying with
 * backoff), serves migrations and questions on `listen` and the control protocol on its Unix
 * socket.
 */
export async function startHostDaemon(options: HostDaemonOptions): Promise<HostDaemon> {
  const killAt = parseKillAt(process.env[KILL_AT_ENV]);
  const lock = new StorageLock(options.hostDir);
  try {
    lock.tryAcquire();
  } catch (e) {
    throw new Error(`another host daemon serves ${options.hostDir}: ${e instanceof StorageLockError ? e.message : (e as Error).message}`);
  }
  try {
    return await new Daemon(options, lock, killAt).start();
  } catch (e) {
    lock.release();
    throw e;
  }
}

class Daemon implements HostDaemon {
  vmHost!: VmHost;
  address = '';
  readonly controlSocket: string;
  readonly closed: Promise<void>;
  private vms!: DaemonVms;
  private target?: MigrationTarget;
  private control?: ControlServer;
  private recovery!: RecoveryLoop;
  private readonly migrations = new Set<Promise<unknown>>();
  private quiescing?: Promise<void>;
  private finishing?: Promise<void>;
  private markClosed!: () => void;
  private readonly timeoutMs: number;

  constructor(private readonly options: HostDaemonOptions, private readonly lock: StorageLock, private readonly killAt: ReturnType<typeof parseKillAt>) {
    this.controlSocket = options.controlSocket ?? DEFAULT_CONTROL_SOCKET(options.hostDir);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
  }

  async start(): Promise<this> {
    const { vmHost, problems } = await restoreVmHost(this.options.hostDir);
    this.vmHost = vmHost;
    for (const [vmId, why] of problems) this.log(`${vmId}: not resumed: ${why}`);
    const brokerKeys = this.options.brokerKeySource ?? (this.options.broker ? new BrokerVmKeySource(new BrokerClient(this.options.broker.url), vmHost.host, this.options.broker.hostId) : undefined);
    this.vms = new DaemonVms(vmHost, problems, brokerKeys);
    const { auth } = this.options;
    this.recovery = new RecoveryLoop(vmHost, { auth, timeoutMs: this.timeoutMs }, (s) => this.settled(s), (vmId, e) => this.log(`${vmId}: still in doubt: ${e.message}`));
    try {
      this.target = await serveMigrationTarget(vmHost, {
        port: this.options.listen.port, host: this.options.listen.host, auth, timeoutMs: this.timeoutMs,
        ...(this.options.maxStagedBytes !== undefined ? { maxStagedBytes: this.options.maxStagedBytes } : {}),
        ...(brokerKeys ? { brokerKeySource: brokerKeys } : {}),
        ...(this.options.requireSourceAttestation ? { requireSourceAttestation: this.options.requireSourceAttestation } : {}),
        atPoint: this.hook('destination'),
        onOutcome: (vmId, outcome) => {
          if (outcome.error instanceof IncomingMigrationInDoubtError) this.recovery.kick();
          this.log(`incoming ${vmId}: ${outcome.committed ? 'committed, running here' : `not committed: ${outcome.error?.message}`}`);
        },
      });
      this.address = this.options.advertise ?? this.target.address;
      this.control = await serveControl(this.controlSocket, (r, emit) => this.handle(r, emit), toControlError);
    } catch (e) {
      await this.target?.close();
      this.vms.haltWorkloads();
      throw e;
    }
    this.recovery.start();
    return this;
  }

  runningVms(): string[] {
    return [...this.vmHost.vms.keys()].sort();
  }

  status(): DaemonStatus {
    return { hostDir: this.options.hostDir, name: this.vmHost.name, address: this.address, controlSocket: this.controlSocket, vms: this.vms.list(), inDoubt: this.vmHost.inDoubt() };
  }

  async shutdown(): Promise<void> {
    await this.quiesce();
    await this.finish();
  }

  async crash(): Promise<void> {
    this.quiescing ??= (async () => {
      await this.recovery.stop();
      this.vms.haltWorkloads();
      await this.target?.close();
    })();
    await this.quiescing;
    await this.finish();
  }

  /** No new connections or questions; migrations in flight end; every VM here checkpointed and released (its memory file kept). */
  private quiesce(): Promise<void> {
    this.quiescing ??= (async () => {
      await this.recovery.stop();
      await this.target?.close();
      await Promise.allSettled(this.migrations);
      await this.vms.releaseAll();
    })();
    return this.quiescing;
  }

  private finish(): Promise<void> {
    this.finishing ??= (async () => {
      await this.control?.close();
      this.lock.release();
      this.markClosed();
    })();
    return this.finishing;
  }

  private log(line: string): void {
    this.options.log?.(`${this.vmHost?.name ?? this.options.hostDir}: ${line}`);
  }

  /** The point hook of one role: fault injection from the options and from VTPM_TEST_KILL_AT. */
  private hook(role: MigrationRole): MigrationPointHook {
    const kill = killSwitch(this.killAt, role);
    const inject = this.options.faultInjection?.atPoint;
    return (point) => {
      kill?.(point);
      inject?.(role, point);
    };
  }

  private settled(s: Settlement): void {
    this.log(`${s.vmId}: in-doubt migration settled as ${s.resolution}${s.peer ? ` (peer ${s.peer})` : ''}`);
    if (s.role === 'source' && s.resolution === 'moved') this.vms.moved(s.vmId, s.peer ?? 'another host');
  }

  private async handle(request: ControlRequest, emit: (event: unknown) => void): Promise<unknown> {
    if (this.quiescing) throw new ControlRequestError('shutting-down', `the host daemon of ${this.options.hostDir} is shutting down`);
    const r = request as ControlRequest & Record<string, unknown>;
    checkVmIdParam(request.op, r.vmId);
    const vmId = r.vmId as string;
    switch (request.op) {
      case 'status': return this.status();
      case 'listVms': return this.vms.list();
      case 'createVm': {
        const { config, keySource } = r as unknown as ControlOps['createVm']['params'];
        if (typeof config?.vmId !== 'string' || !Number.isInteger(config.memoryPages)) throw new ControlRequestError('bad-request', 'createVm needs config {vmId, memoryPages, mode?, vcpus?}');
        return this.vms.create(config, keySource);
      }
      case 'startVm': return this.vms.start(vmId);
      case 'stopVm': return this.vms.stop(vmId);
      case 'writeGuest': return { bytes: await this.vms.write(vmId, r.gpa as number, base64Param(r.data, 'writeGuest data')) };
      case 'readGuest': return { data: (await this.vms.read(vmId, r.gpa as number, r.length as number)).toString('base64') };
      case 'memoryHash': return { sha256: await this.vms.memoryHash(vmId) };
      case 'dumpVm': return { bytes: await this.vms.dump(vmId, String(r.outFile)) };
      case 'startWorkload': {
        await this.vms.startWorkload(vmId, r.pagesPerTick as number, r.intervalMs as number);
        return { vmId };
      }
      case 'stopWorkload': return { writes: this.vms.stopWorkload(vmId) };
      case 'migrate': return this.migrate(r as unknown as ControlOps['migrate']['params'], emit);
      case 'shutdown': {
        await this.quiesce();
        setImmediate(() => void this.finish());
        return {};
      }
    }
  }

  private async migrate(r: ControlOps['migrate']['params'], emit: (event: unknown) => void): Promise<ControlOps['migrate']['result']> {
    checkMigrateRequest(r);
    if (!this.vmHost.vms.has(r.vmId)) throw new ControlRequestError('not-found', `no VM ${r.vmId} runs on ${this.vmHost.name}`);
    let policy;
    try {
      policy = migrationPolicyFromJson(r.policy);
    } catch (e) {
      throw new ControlRequestError('bad-request', (e as Error).message);
    }
    const run = migrateVm(this.vmHost, r.vmId, r.to, {
      policy, auth: this.options.auth, timeoutMs: r.timeoutMs ?? this.timeoutMs,
      ...(r.keyRelease ? { keyRelease: r.keyRelease } : {}),
      ...(r.maxDowntimeMs !== undefined ? { maxDowntimeMs: r.maxDowntimeMs } : {}),
      ...(r.maxRounds !== undefined ? { maxRounds: r.maxRounds } : {}),
      ...(r.autoConverge !== undefined ? { autoConverge: r.autoConverge } : {}),
      ...(r.stopCopyThresholdPages !== undefined ? { stopCopyThresholdPages: r.stopCopyThresholdPages } : {}),
      guest: this.vms.gate(r.vmId),
      resolveAt: this.address,
      atPoint: this.hook('source'),
      onProgress: emit,
    });
    this.migrations.add(run);
    try {
      const report = await run;
      this.vms.moved(r.vmId, r.to);
      return { ...report, epoch: report.epoch.toString() };
    } catch (e) {
      if (e instanceof MigrationInDoubtError) this.recovery.kick();
      throw e;
    } finally {
      this.migrations.delete(run);
    }
  }
}
