import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildServer } from './childServer.js';

/** The reference: a swtpm socket TPM 2.0 with fresh state, data port `port`, control port `port + 1`. */
export class SwtpmProcess {
  private constructor(
    readonly server: ChildServer,
    readonly stateDir: string,
    readonly version: string,
  ) {}

  /** Path of the swtpm executable, or null when it is not installed. */
  static locate(): string | null {
    const r = spawnSync('sh', ['-c', 'command -v swtpm'], { encoding: 'utf8' });
    return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
  }

  static async start(host: string, port: number, executable = 'swtpm'): Promise<SwtpmProcess> {
    const stateDir = mkdtempSync(join(tmpdir(), 'vtpm-bench-swtpm-'));
    const version = spawnSync(executable, ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n')[0] ?? 'swtpm';
    try {
      const server = await ChildServer.start({
        name: 'swtpm',
        command: executable,
        args: [
          'socket', '--tpm2',
          '--server', `type=tcp,port=${port},bindaddr=${host}`,
          '--ctrl', `type=tcp,port=${port + 1},bindaddr=${host}`,
          '--tpmstate', `dir=${stateDir}`,
          // Powered and started like a booted platform's TPM: no INIT, Startup(CLEAR) done.
          '--flags', 'not-need-init,startup-clear',
        ],
        host,
        port,
      });
      return new SwtpmProcess(server, stateDir, version);
    } catch (e) {
      rmSync(stateDir, { recursive: true, force: true });
      throw e;
    }
  }

  get pid(): number | undefined {
    return this.server.child.pid;
  }

  get port(): number {
    return this.server.port;
  }

  async stop(): Promise<void> {
    await this.server.stop();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}
