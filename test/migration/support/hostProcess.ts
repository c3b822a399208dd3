import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runVtpmCommand, startVtpmUntilLine, type StartedVtpm } from '../../lib/vtpmProcess.js';

/** A `vtpm host serve` child process (its exit: the code, or the signal that ended it: a self-SIGKILL gives 'SIGKILL'). */
export type DaemonProcess = StartedVtpm;

/**
 * One hypervisor host of a cross-process test: its directory, where its daemon listens, and
 * the pre-shared key every host of the test shares. Set up by `vtpm host init` + `host boot`.
 */
export class TestHost {
  daemon: DaemonProcess | null = null;

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly port: number,
    readonly pskFile: string,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** `vtpm host init` + `vtpm host boot` (another chain version measures a different boot; `bootFlags` adds e.g. --replace COMPONENT=FILE). */
  static async create(root: string, name: string, port: number, pskFile: string, chainVersion = '1.0', bootFlags: readonly string[] = []): Promise<TestHost> {
    const host = new TestHost(name, join(root, name), port, pskFile);
    await vtpmOk(['host', 'init', '--host-dir', host.dir]);
    await vtpmOk(['host', 'boot', '--host-dir', host.dir, '--chain-version', chainVersion, ...bootFlags]);
    return host;
  }

  /** `vtpm host serve`; `env` adds e.g. VTPM_TEST_KILL_AT, `flags` more options. Resolves once it prints where it listens. */
  async serve(env: Record<string, string> = {}, flags: readonly string[] = []): Promise<DaemonProcess> {
    const args = ['host', 'serve', '--host-dir', this.dir, '--listen', this.address, '--psk-file', this.pskFile, '--identity', this.name, ...flags];
    this.daemon = await startVtpmUntilLine(args, env, `vtpm host serve (${this.name})`);
    return this.daemon;
  }

  /** SIGTERM (orderly stop) or SIGKILL, and wait until the process is gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<number | NodeJS.Signals | null> {
    const d = this.daemon;
    if (!d) return null;
    this.daemon = null;
    if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill(signal);
    return d.exit;
  }
}

/** A PSK file all test hosts share (hex text, 32 bytes). */
export function writePskFile(root: string): string {
  const path = join(root, 'hosts.psk');
  writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  return path;
}

/** Runs `vtpm ARGS`; throws with its output unless it exits 0. */
export async function vtpmOk(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  const r = await runVtpmCommand(args, timeoutMs);
  if (r.code !== 0) throw new Error(`vtpm ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}
