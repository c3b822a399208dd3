import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool, tool, type ToolResult } from './runTool.js';

/** One TPM (its TCTI) and the directory its tools run in: context files are TPM-bound, so each TPM has its own. */
export class ToolDir {
  constructor(
    readonly tcti: string,
    readonly dir: string,
  ) {}

  /** In a new temporary directory, which remove() deletes. */
  static temp(tcti: string, prefix: string): ToolDir {
    return new ToolDir(tcti, mkdtempSync(join(tmpdir(), prefix)));
  }

  /** Runs the tool args[0] here. */
  run(args: string[], input?: Buffer | string): Promise<ToolResult> {
    return runTool(this.tcti, args[0]!, args.slice(1), { cwd: this.dir, input });
  }

  /** Runs a tool that must succeed; its stdout. */
  ok(args: string[], input?: Buffer | string): Promise<string> {
    return tool(this.tcti, args[0]!, args.slice(1), { cwd: this.dir, input });
  }

  /** ok(), then transient objects flushed: without a resource manager a tool's loaded objects stay in the TPM. */
  async okThenFlush(args: string[]): Promise<string> {
    const out = await this.ok(args);
    await this.ok(['tpm2_flushcontext', '-t']);
    return out;
  }

  /** The path of `name` here; the file is written first when `content` is given. */
  file(name: string, content?: Buffer | string): string {
    const p = join(this.dir, name);
    if (content !== undefined) writeFileSync(p, content);
    return p;
  }

  read(name: string): Buffer {
    return readFileSync(join(this.dir, name));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
