import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CTRL } from '@vtpm/server';

/** A port pinned by an environment variable (VTPM_REF_SWTPM_PORT, VTPM_SWTPM_PORT, VTPM_MSSIM_PORT), e.g. to stay inside a port range reserved for a run. */
export const pinnedPort = (variable: string): number | undefined => Number(process.env[variable]) || undefined;

/** Two consecutive free loopback ports (swtpm: data + ctrl; mssim: command + platform). */
export async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    // below the ephemeral range, where outgoing connections of a busy run do not hold port + 1
    const port = 10000 + Math.floor(Math.random() * 22000);
    if ((await portFree(port)) && (await portFree(port + 1))) return port;
  }
  throw new Error('no free port pair on 127.0.0.1');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

/** The reference TPM: a real swtpm process (socket mode, fresh state, not-need-init), as in ../shared/interop. */
export class ReferenceSwtpm {
  private constructor(
    readonly port: number,
    readonly ctrlPort: number,
    private readonly proc: ChildProcess,
    private readonly stateDir: string,
  ) {}

  /** `port` pins the data port (ctrl = port + 1), e.g. to stay inside a port range reserved for a run. */
  static async start(flags = 'not-need-init', port?: number): Promise<ReferenceSwtpm> {
    port ??= await freePortPair();
    const stateDir = mkdtempSync(join(tmpdir(), 'vtpm-ref-swtpm-'));
    const proc = spawn(
      'swtpm',
      ['socket', '--tpm2', '--server', `type=tcp,port=${port},bindaddr=127.0.0.1`, '--ctrl', `type=tcp,port=${port + 1},bindaddr=127.0.0.1`, '--tpmstate', `dir=${stateDir}`, '--flags', flags],
      { stdio: 'ignore' },
    );
    await waitForPort(port);
    return new ReferenceSwtpm(port, port + 1, proc, stateDir);
  }

  /** Runs `use` against a fresh swtpm (its ports pinned by VTPM_REF_SWTPM_PORT), stopped afterwards. */
  static async using<T>(use: (ref: ReferenceSwtpm) => Promise<T>): Promise<T> {
    const ref = await ReferenceSwtpm.start('not-need-init', pinnedPort('VTPM_REF_SWTPM_PORT'));
    try {
      return await use(ref);
    } finally {
      await ref.stop();
    }
  }

  get tcti(): string {
    return `swtpm:host=127.0.0.1,port=${this.port}`;
  }

  /** _TPM_Init through the control channel (CMD_INIT), as between Shutdown and Startup. */
  init(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = net.connect(this.ctrlPort, '127.0.0.1', () => s.write(Buffer.from([0, 0, 0, CTRL.INIT, 0, 0, 0, 0])));
      s.once('data', (d) => {
        s.end();
        if (d.readUInt32BE(0) === 0) resolve();
        else reject(new Error(`CMD_INIT answered ${d.readUInt32BE(0)}`));
      });
      s.once('error', reject);
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await exited;
    }
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}
