import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled `vtpm` command (test/dist/lib -> packages/cli/dist/src/main.js). */
export const VTPM_MAIN = fileURLToPath(new URL('../../../packages/cli/dist/src/main.js', import.meta.url));

/** A `vtpm socket` (or other server command) child process and where it listens. */
export interface VtpmProcess {
  child: ChildProcess;
  /** Its first stdout line. */
  line: string;
  /** Data port (from the listening line). */
  port: number;
  /** Control port, when the line names one. */
  ctrlPort: number | null;
  exit: Promise<number | NodeJS.Signals | null>;
  /** Everything written to stderr so far. */
  stderr(): string;
}

/** A started `vtpm` process: its first stdout line, its end (exit code, or the signal that ended it), its stderr. */
export interface StartedVtpm {
  child: ChildProcess;
  line: string;
  exit: Promise<number | NodeJS.Signals | null>;
  stderr(): string;
}

/** Starts `vtpm ARGS` (with `env` added) and waits for its first stdout line; rejects with its output if it exits first. */
export async function startVtpmUntilLine(args: readonly string[], env: Record<string, string> = {}, label = 'vtpm'): Promise<StartedVtpm> {
  const child = spawn(process.execPath, [VTPM_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const exit = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    void exit.then((code) => reject(new Error(`${label} exited ${code}: ${out}${err}`)));
  });
  return { child, line, exit, stderr: () => err };
}

/** Starts `vtpm ARGS` and waits for its listening line; rejects with its output if it exits first. */
export async function startVtpmProcess(args: readonly string[]): Promise<VtpmProcess> {
  const { child, line, exit, stderr } = await startVtpmUntilLine(args);
  const ports = /listening on [^:]+:(\d+)(?: \(control [^:]+:(\d+)\))?/.exec(line);
  if (!ports) throw new Error(`no port in: ${line}`);
  return { child, line, port: Number(ports[1]), ctrlPort: ports[2] ? Number(ports[2]) : null, exit, stderr };
}

/** Runs `vtpm ARGS` to its end. */
export function runVtpmCommand(args: readonly string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VTPM_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** SIGKILL, then wait until the process is gone. */
export async function killHard(p: VtpmProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await p.exit;
}
