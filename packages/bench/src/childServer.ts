import { spawn, type ChildProcess } from 'node:child_process';
import { connectTcp } from './rawTpmSocket.js';

/** A TPM server running as a child process, listening on `port`. */
export class ChildServer {
  private exited = false;
  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly port: number,
    private readonly output: string[],
  ) {
    child.once('exit', () => (this.exited = true));
  }

  /**
   * Spawns the server and waits until its port accepts a connection; fails with the server's own
   * output if it exits first or is not up within `timeoutMs`.
   */
  static async start(opts: { name: string; command: string; args: string[]; host: string; port: number; timeoutMs?: number }): Promise<ChildServer> {
    const child = spawn(opts.command, opts.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout!.on('data', (d) => output.push(String(d)));
    child.stderr!.on('data', (d) => output.push(String(d)));
    const server = new ChildServer(opts.name, child, opts.port, output);
    // Never leave a server behind, even when the benchmark dies.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));

    const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
    const deadline = Date.now() + (opts.timeoutMs ?? 5000);
    try {
      for (;;) {
        if (server.exited) throw new Error(`${opts.name} exited during start-up: ${output.join('').trim() || `exit code ${child.exitCode}`}`);
        if (Date.now() > deadline) throw new Error(`${opts.name} did not listen on ${opts.host}:${opts.port} within ${opts.timeoutMs ?? 5000} ms: ${output.join('').trim()}`);
        const up = await Promise.race([spawnError, connectTcp(opts.host, opts.port).then((s) => (s.destroy(), true), () => false)]);
        if (up) return server;
        await new Promise((r) => setTimeout(r, 50));
      }
    } catch (e) {
      await server.stop();
      throw e;
    }
  }

  async stop(): Promise<void> {
    if (this.exited || this.child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(timer);
  }
}
