import { spawn } from 'node:child_process';

/** Set in the environment of the detached child that `-d` starts. */
const DAEMON_CHILD_ENV = 'VTPM_DAEMON_CHILD';

type ChildReport = { ready: string } | { error: string; exitCode: number };

export function isDaemonChild(): boolean {
  return process.env[DAEMON_CHILD_ENV] === '1' && typeof process.send === 'function';
}

/**
 * `-d` / `--daemon`, as swtpm: the server runs on in a detached child and this process exits once
 * the child listens (printing its listening line) or with the child's error if it cannot start.
 */
export async function daemonize(): Promise<never> {
  const childArgv = process.argv.slice(2).filter((a) => a !== '-d' && a !== '--daemon');
  const child = spawn(process.execPath, [process.argv[1]!, ...childArgv], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, [DAEMON_CHILD_ENV]: '1' },
  });
  const report = await new Promise<ChildReport>((resolve) => {
    child.once('message', (m) => resolve(m as ChildReport));
    child.once('exit', (code) => resolve({ error: `vtpm: the daemon exited during start-up (exit code ${code})`, exitCode: code || 1 }));
    child.once('error', (e) => resolve({ error: `vtpm: cannot start the daemon: ${e.message}`, exitCode: 1 }));
  });
  if ('ready' in report) {
    process.stdout.write(`${report.ready}\n`);
    child.disconnect();
    child.unref();
    process.exit(0);
  }
  process.stderr.write(`${report.error}\n`);
  process.exit(report.exitCode);
}

/** The listening line: to stdout, or to the waiting parent when this is the daemon child. */
export function reportReady(line: string): void {
  if (!isDaemonChild()) {
    process.stdout.write(`${line}\n`);
    return;
  }
  process.send!({ ready: line } satisfies ChildReport);
  process.disconnect?.();
}

/** A start-up failure: to stderr, or to the waiting parent when this is the daemon child. */
export function reportFailure(message: string, exitCode: number): Promise<void> {
  if (!isDaemonChild() || !process.connected) {
    process.stderr.write(`${message}\n`);
    return Promise.resolve();
  }
  return new Promise((resolve) => process.send!({ error: message, exitCode } satisfies ChildReport, () => resolve()));
}
