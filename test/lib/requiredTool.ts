import { execFileSync } from 'node:child_process';

/**
 * Interop tests need real clients. In CI (env CI set) a missing tool is a failure; on a
 * newcomer's machine the suite is skipped with a loud message saying what to install.
 */
export function haveTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function requireTools(ctx: Mocha.Context, tools: string[], install: string): void {
  const missing = tools.filter((t) => !haveTool(t));
  if (missing.length) missingPrerequisite(ctx, `missing ${missing.join(', ')}: install with \`${install}\``);
}

/** Fails the suite in CI, skips it elsewhere, saying what is missing. */
export function missingPrerequisite(ctx: Mocha.Context, msg: string): void {
  if (process.env.CI) throw new Error(`${msg} (CI must run interop tests, not skip them)`);
  console.warn(`\n  !!! SKIPPING interop suite "${ctx.test?.parent?.title}": ${msg}\n`);
  ctx.skip();
}

export const DEBIAN_TOOLS = 'apt-get install -y tpm2-tools swtpm swtpm-tools python3-tpm2-pytss libtss2-tcti-mssim0 libtss2-tcti-swtpm0';
