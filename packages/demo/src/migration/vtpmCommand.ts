import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The committed `vtpm` entry point (packages/cli/bin/vtpm.js), from dist/src/migration of this package. */
export const VTPM_BIN = fileURLToPath(new URL('../../../../cli/bin/vtpm.js', import.meta.url));

/** `vtpm ARGS` as a shell would show it, for the narration. */
export const showCommand = (args: readonly string[]): string => `vtpm ${args.join(' ')}`;

/** Runs `vtpm ARGS` in its own process (node, this Node binary) to its end; its stdout, or an error carrying its stderr. */
export function runVtpm(args: readonly string[], timeoutMs = 30_000): Promise<string> {
  if (!existsSync(VTPM_BIN)) return Promise.reject(new Error(`${VTPM_BIN} is missing: run the demo from the repository (npm run demo builds it)`));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VTPM_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${showCommand(args)}: cannot start: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${showCommand(args)} exited ${code ?? signal}${signal === 'SIGKILL' ? ` (killed after ${timeoutMs} ms)` : ''}: ${(stderr || stdout).trim()}`));
    });
  });
}
