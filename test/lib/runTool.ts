import { execFile } from 'node:child_process';

export interface ToolResult {
  code: number;
  stdout: string;
  /** stdout as bytes (tpm2_send writes a binary response). */
  raw: Buffer;
  stderr: string;
}

/** Runs a TPM tool against a TCTI, asynchronously (an in-process server must keep serving meanwhile). */
export function runTool(tcti: string, cmd: string, args: string[], opts: { input?: Buffer | string; cwd?: string } = {}): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { env: { ...process.env, TPM2TOOLS_TCTI: tcti, TSS2_LOG: 'all+NONE' }, cwd: opts.cwd, encoding: 'buffer', maxBuffer: 16 << 20, timeout: 60000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: stdout.toString(), raw: stdout, stderr: stderr.toString() });
      },
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

/** Like runTool, but a non-zero exit is an error that shows what the tool said. */
export async function tool(tcti: string, cmd: string, args: string[], opts: { input?: Buffer | string; cwd?: string } = {}): Promise<string> {
  const r = await runTool(tcti, cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} (${tcti}) exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}
