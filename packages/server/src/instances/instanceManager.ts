import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_HOST } from '../net/tcpService.js';
import { StateFiles } from '../persistence/stateFiles.js';
import type { StateKey } from '../persistence/stateKey.js';
import { StateStore } from '../persistence/stateStore.js';
import { TpmStateKeeper } from '../persistence/tpmStateKeeper.js';
import { SwtpmServer } from '../swtpm/swtpmServer.js';
import { INSTANCE_ID, RECORD_FILE, readRecord, writeRecord, type InstanceRecord } from './instanceRecord.js';

export interface InstanceManagerOptions {
  /** `--key` for every instance's state files. */
  stateKey?: StateKey | null;
  /** `--migration-key` for every instance's control channel. */
  migrationKey?: StateKey | null;
  /** Listen address of new instances (default 127.0.0.1). */
  host?: string;
  /** An instance unused this long keeps its TPM serialized until the next command (default 30 s; 0: never). */
  idleMs?: number;
  log?: (message: string) => void;
}

/** One instance as listed: its record, whether it runs, and its state generation. */
export interface InstanceInfo extends InstanceRecord {
  status: 'running' | 'idle' | 'stopped';
  generation: string | null;
  stateDir: string;
}

interface Running {
  server: SwtpmServer;
  keeper: TpmStateKeeper;
}

/**
 * Many vTPMs in one process, each in its own directory under `root` (its swtpm state files and
 * instance.json) and on its own swtpm port pair. Instances are created, listed, stopped, started
 * and destroyed through this API (or the admin socket of `vtpm serve`), and outlive the process:
 * `open()` starts every instance that was not stopped, resuming its TPM. An idle instance keeps
 * its TPM serialized in memory until its next command.
 */
export class InstanceManager {
  private readonly records = new Map<string, InstanceRecord>();
  private readonly running = new Map<string, Running>();
  private readonly busy = new Set<string>();
  private readonly sweeper: NodeJS.Timeout | null;
  private closing = false;

  private constructor(
    readonly root: string,
    private readonly opts: InstanceManagerOptions,
  ) {
    const idleMs = opts.idleMs ?? 30_000;
    this.sweeper = idleMs > 0 ? setInterval(() => this.hibernateIdle(idleMs), Math.max(idleMs / 2, 10)) : null;
    this.sweeper?.unref();
  }

  /** Opens `root` (created when missing) and starts its instances that were not stopped; failures are logged, not fatal. */
  static async open(root: string, opts: InstanceManagerOptions = {}): Promise<InstanceManager> {
    mkdirSync(root, { recursive: true });
    const manager = new InstanceManager(root, opts);
    for (const id of readdirSync(root)) {
      if (!existsSync(join(root, id, RECORD_FILE))) continue;
      const record = readRecord(join(root, id));
      manager.records.set(id, record);
      if (!record.stopped) await manager.launch(record).catch((e: Error) => manager.log(`instance ${id}: not started: ${e.message}`));
    }
    return manager;
  }

  /** A new vTPM (fresh seeds, state written at once) listening on `port`/`ctrlPort` (0: a free adjacent pair). */
  async create(opts: { id?: string; port?: number; ctrlPort?: number } = {}): Promise<InstanceInfo> {
    const id = opts.id ?? `vtpm-${randomBytes(4).toString('hex')}`;
    if (!INSTANCE_ID.test(id)) throw new Error(`instance id '${id}': use letters, digits, '.', '-', '_' (at most 64)`);
    if (this.records.has(id) || existsSync(join(this.root, id))) throw new Error(`instance ${id} exists already`);
    return this.exclusively(id, async () => {
      mkdirSync(join(this.root, id));
      const port = opts.port ?? 0;
      const record: InstanceRecord = { id, host: this.opts.host ?? DEFAULT_HOST, port, ctrlPort: opts.ctrlPort ?? (port === 0 ? 0 : port + 1), created: new Date().toISOString(), stopped: false };
      try {
        const { server } = await this.launch(record);
        record.port = server.port;
        record.ctrlPort = server.ctrlPort;
        await writeRecord(this.dir(id), record);
      } catch (e) {
        await this.running.get(id)?.server.close();
        this.running.delete(id);
        await rm(this.dir(id), { recursive: true, force: true });
        throw e;
      }
      this.records.set(id, record);
      return this.info(id);
    });
  }

  list(): InstanceInfo[] {
    return [...this.records.keys()].sort().map((id) => this.info(id));
  }

  info(id: string): InstanceInfo {
    const record = this.record(id);
    const running = this.running.get(id);
    return {
      ...record,
      status: running ? (running.keeper.hibernating ? 'idle' : 'running') : 'stopped',
      generation: running ? String(running.keeper.store.generation) : null,
      stateDir: this.dir(id),
    };
  }

  /** The instance's server (its volatile state stored) closes; it stays stopped until start(). */
  async stop(id: string): Promise<InstanceInfo> {
    return this.exclusively(id, async () => {
      const record = this.record(id);
      await this.running.get(id)?.server.close();
      this.running.delete(id);
      record.stopped = true;
      await writeRecord(this.dir(id), record);
      return this.info(id);
    });
  }

  async start(id: string): Promise<InstanceInfo> {
    return this.exclusively(id, async () => {
      const record = this.record(id);
      if (!this.running.has(id)) await this.launch(record);
      record.stopped = false;
      await writeRecord(this.dir(id), record);
      return this.info(id);
    });
  }

  /** Stops the instance and deletes its directory, TPM state included. */
  async destroy(id: string): Promise<void> {
    await this.exclusively(id, async () => {
      this.record(id);
      await this.running.get(id)?.server.close();
      this.running.delete(id);
      this.records.delete(id);
      await rm(this.dir(id), { recursive: true, force: true });
    });
  }

  /** The running server of an instance (for in-process use and tests). */
  server(id: string): SwtpmServer | null {
    return this.running.get(id)?.server ?? null;
  }

  /** Closes every server (volatile states stored); instances start again with the next open(). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all([...this.running.values()].map((r) => r.server.close()));
    this.running.clear();
  }

  private async launch(record: InstanceRecord): Promise<Running> {
    const store = new StateStore({ files: new StateFiles(this.dir(record.id)), stateKey: this.opts.stateKey });
    const { keeper, notes } = await TpmStateKeeper.start({ store, resumeVolatile: true });
    for (const note of notes) this.log(`instance ${record.id}: ${note}`);
    try {
      const server = await SwtpmServer.start({
        keeper,
        host: record.host,
        port: record.port,
        ctrlPort: record.ctrlPort,
        migrationKey: this.opts.migrationKey,
        log: (m) => this.log(`instance ${record.id}: ${m}`),
      });
      const running = { server, keeper };
      this.running.set(record.id, running);
      // CMD_SHUTDOWN ends this instance only; it counts as stopped
      void server.closed.then(() => this.afterShutdown(record.id, server));
      return running;
    } catch (e) {
      store.files!.lock.release();
      throw e;
    }
  }

  private async afterShutdown(id: string, server: SwtpmServer): Promise<void> {
    if (this.closing || this.running.get(id)?.server !== server || this.busy.has(id)) return;
    this.running.delete(id);
    const record = this.records.get(id);
    if (!record) return;
    record.stopped = true;
    await writeRecord(this.dir(id), record).catch(() => undefined);
  }

  private hibernateIdle(idleMs: number): void {
    const before = Date.now() - idleMs;
    for (const { keeper } of this.running.values()) if (!keeper.hibernating && keeper.lastUsed < before) keeper.hibernate();
  }

  /** One API operation per instance at a time. */
  private async exclusively<T>(id: string, work: () => Promise<T>): Promise<T> {
    if (this.busy.has(id)) throw new Error(`instance ${id} is busy`);
    this.busy.add(id);
    try {
      return await work();
    } finally {
      this.busy.delete(id);
    }
  }

  private record(id: string): InstanceRecord {
    const record = this.records.get(id);
    if (!record) throw new Error(`no instance ${id}`);
    return record;
  }

  private dir(id: string): string {
    return join(this.root, id);
  }

  private log(message: string): void {
    (this.opts.log ?? ((m: string) => process.stderr.write(`vtpm: ${m}\n`)))(message);
  }
}
