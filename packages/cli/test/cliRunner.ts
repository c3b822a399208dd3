import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled command, as `npx vtpm` runs it. */
export const VTPM_MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs vtpm to completion without blocking this process, so a server started in the test (an
 * in-process MssimServer) can answer the command.
 */
export function runVtpm(args: readonly string[], timeoutMs = 20_000): Promise<CliRun> {
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

/** A failure's contract: exit code, one line on stderr starting with "vtpm", nothing on stdout. */
export function oneLineFailure(r: CliRun): string {
  const lines = r.stderr.trim().split('\n');
  if (lines.length !== 1 || !lines[0]!.startsWith('vtpm')) throw new Error(`expected one 'vtpm ...' line on stderr, got: ${r.stderr}`);
  return lines[0]!;
}

/** Starts a vtpm server and resolves with its first stdout line (where it listens). */
export async function startVtpm(args: readonly string[]): Promise<{ child: ChildProcess; line: string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [VTPM_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.stderr!.on('data', (d) => (out += String(d)));
    void exit.then((code) => reject(new Error(`vtpm exited ${code}: ${out}`)));
  });
  return { child, line, exit };
}
