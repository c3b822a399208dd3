import { createConnection, type Socket } from 'node:net';
import type { VmConfig } from '@vtpm/hypervisor';
import type { MigrationProgress, MigrationReport } from '../progress/migrationProgress.js';
import { encodeLine, LineReader, type ControlError, type ControlLine, type ControlOp, type ControlOps, type DaemonStatus, type MigrateRequest, type VmSummary } from './controlProtocol.js';

/** The daemon refused a request; `code` and the other fields as ControlError. */
export class HostDaemonError extends Error {
  override name = 'HostDaemonError';
  readonly code?: string;
  readonly phase?: string;
  readonly reason?: string;
  readonly failingPcrs?: number[];

  constructor(error: ControlError) {
    super(error.message);
    Object.assign(this, { code: error.code, phase: error.phase, reason: error.reason, failingPcrs: error.failingPcrs });
  }
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (e: Error) => void;
  onEvent?: (event: unknown) => void;
}

/** One connection to a host daemon's control socket; requests may overlap. */
export class HostDaemonClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure?: Error;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    const reader = new LineReader((line) => this.onLine(line), () => this.fail(new Error('the host daemon sent an over-long line')));
    socket.on('data', (d: string) => reader.push(d));
    socket.on('error', (e) => this.fail(new Error(`host daemon connection failed: ${e.message}`)));
    socket.on('close', () => this.fail(new Error('the host daemon closed the control connection')));
  }

  /** Connects to the control socket at `path` (ENOENT / ECONNREFUSED: no daemon serves it). */
  static connect(path: string): Promise<HostDaemonClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new HostDaemonClient(socket));
      });
      socket.once('error', reject);
    });
  }

  close(): void {
    this.socket.end();
  }

  status(): Promise<DaemonStatus> {
    return this.request('status', {});
  }

  listVms(): Promise<VmSummary[]> {
    return this.request('listVms', {});
  }

  createVm(config: VmConfig, keySource: 'local' | 'broker' = 'local'): Promise<VmSummary> {
    return this.request('createVm', { config, keySource });
  }

  startVm(vmId: string): Promise<VmSummary> {
    return this.request('startVm', { vmId });
  }

  stopVm(vmId: string): Promise<VmSummary> {
    return this.request('stopVm', { vmId });
  }

  async writeGuest(vmId: string, gpa: number, data: Buffer): Promise<void> {
    await this.request('writeGuest', { vmId, gpa, data: data.toString('base64') });
  }

  async readGuest(vmId: string, gpa: number, length: number): Promise<Buffer> {
    return Buffer.from((await this.request('readGuest', { vmId, gpa, length })).data, 'base64');
  }

  /** SHA-256 hex of the guest's plaintext memory. */
  async memoryHash(vmId: string): Promise<string> {
    return (await this.request('memoryHash', { vmId })).sha256;
  }

  dumpVm(vmId: string, outFile: string): Promise<{ bytes: number }> {
    return this.request('dumpVm', { vmId, outFile });
  }

  async startWorkload(vmId: string, workload: { pagesPerTick: number; intervalMs: number }): Promise<void> {
    await this.request('startWorkload', { vmId, ...workload });
  }

  stopWorkload(vmId: string): Promise<{ writes: number }> {
    return this.request('stopWorkload', { vmId });
  }

  /** Migrates the VM to another daemon; `onProgress` hears the progress events. Rejects with HostDaemonError (code 'aborted': the VM runs on here). */
  async migrate(vmId: string, request: MigrateRequest, onProgress?: (p: MigrationProgress) => void): Promise<MigrationReport> {
    const report = await this.request('migrate', { vmId, ...request }, onProgress as (e: unknown) => void);
    return { ...report, epoch: BigInt(report.epoch) };
  }

  async shutdown(): Promise<void> {
    await this.request('shutdown', {});
  }

  private request<Op extends ControlOp>(op: Op, params: ControlOps[Op]['params'], onEvent?: (e: unknown) => void): Promise<ControlOps[Op]['result']> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, ...(onEvent ? { onEvent } : {}) });
      this.socket.write(encodeLine({ id, op, ...params } as never));
    });
  }

  private onLine(text: string): void {
    let line: ControlLine;
    try {
      line = JSON.parse(text) as ControlLine;
    } catch {
      return this.fail(new Error('the host daemon sent a line that is not JSON'));
    }
    const p = line.id === null ? undefined : this.pending.get(line.id);
    if (!p) {
      if ('ok' in line && !line.ok) this.fail(new HostDaemonError(line.error)); // a refusal of something unreadable we sent
      return;
    }
    if ('event' in line) return p.onEvent?.(line.event);
    this.pending.delete(line.id!);
    if (line.ok) p.resolve(line.result);
    else p.reject(new HostDaemonError(line.error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
