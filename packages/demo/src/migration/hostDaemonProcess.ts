import { spawn, type ChildProcess } from 'node:child_process';
import { DEFAULT_CONTROL_SOCKET, HostDaemonClient } from '@vtpm/migration';
import { VTPM_BIN, showCommand } from './vtpmCommand.js';

/** How long an orderly stop (SIGTERM: VMs checkpointed) may take before the daemon is killed. */
const STOP_GRACE_MS = 5000;
/** How long a daemon may take to print its listening line. */
const START_TIMEOUT_MS = 30_000;

/** A `vtpm host serve` process of the story, and the control connection the demo (the operator) holds to it. */
export interface HostDaemonProcess {
  /** The command line it runs, for the narration. */
  readonly command: string;
  /** Its listening line (stdout). */
  readonly line: string;
  readonly client: HostDaemonClient;
  readonly pid: number;
  /** What it logged to stderr so far (resumed VMs, settled migrations, failures). */
  stderr(): string;
  /** SIGTERM (orderly stop) and wait, SIGKILL if it takes longer than a few seconds; safe to call twice. Resolves with how it ended. */
  stop(): Promise<string>;
}

/**
 * Starts `vtpm host serve ARGS` in a process of its own and waits until it prints its listening
 * line, then connects to its control socket. If the demo's process exits first (a crash, an
 * uncaught error), the daemon is SIGKILLed with it.
 */
export async function startHostDaemonProcess(hostDir: string, args: readonly string[]): Promise<HostDaemonProcess> {
  const command = showCommand(args);
  const child: ChildProcess = spawn(process.execPath, [VTPM_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killWithUs = () => child.kill('SIGKILL');
  process.once('exit', killWithUs);
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)));
  void exited.then(() => process.off('exit', killWithUs));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  child.stdout!.on('data', (d) => (out += String(d)));
  const stop = async (): Promise<string> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${command}: no listening line within ${START_TIMEOUT_MS} ms: ${err.trim()}`)), START_TIMEOUT_MS);
      child.stdout!.on('data', () => {
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(out.split('\n')[0]!);
        }
      });
      void exited.then((how) => {
        clearTimeout(timer);
        reject(new Error(`${command} ended (${how}) before it listened: ${(err || out).trim()}`));
      });
      child.once('error', (e) => reject(new Error(`${command}: cannot start: ${e.message}`)));
    });
    const client = await HostDaemonClient.connect(DEFAULT_CONTROL_SOCKET(hostDir));
    return {
      command, line, client, pid: child.pid!, stderr: () => err,
      stop: () => {
        client.close();
        return stop();
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
