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
  exit: Promise<number | null>;
  /** Everything written to stderr so far. */
  stderr(): string;
}

/** Starts `vtpm ARGS` and waits for its listening line; rejects with its output if it exits first. */
export async function startVtpmProcess(args: readonly string[]): Promise<VtpmProcess> {
  const child = spawn(process.execPath, [VTPM_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    void exit.then((code) => reject(new Error(`vtpm exited ${code}: ${out}${err}`)));
  });
  const ports = /listening on [^:]+:(\d+)(?: \(control [^:]+:(\d+)\))?/.exec(line);
  if (!ports) throw new Error(`no port in: ${line}`);
  return { child, line, port: Number(ports[1]), ctrlPort: ports[2] ? Number(ports[2]) : null, exit, stderr: () => err };
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
