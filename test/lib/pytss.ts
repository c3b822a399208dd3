import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEBIAN_TOOLS, missingPrerequisite } from './requiredTool.js';

/** The interpreter python3-tpm2-pytss is installed for. */
const PYTHON = '/usr/bin/python3';
/** The scripts live next to the TypeScript sources of the interop tests; this file runs from test/dist/lib/. */
const SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'interop');

/** Skips the suite (fails it in CI) when python3 cannot import tpm2_pytss. */
export async function requirePytss(ctx: Mocha.Context): Promise<void> {
  const found = await new Promise<boolean>((resolve) => execFile(PYTHON, ['-c', 'import tpm2_pytss'], (e) => resolve(!e)));
  if (!found) missingPrerequisite(ctx, `python3-tpm2-pytss is not installed: install with \`${DEBIAN_TOOLS}\``);
}

/** Runs test/interop/`script` against `tcti`; what it printed, as JSON. */
export function runPytss<T = Record<string, unknown>>(script: string, tcti: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [join(SCRIPTS, script), tcti], { timeout: timeoutMs, env: { ...process.env, TSS2_LOG: 'all+NONE' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${script} against ${tcti} failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout));
    });
  });
}
