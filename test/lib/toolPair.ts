import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MssimServer, SwtpmServer } from '@vtpm/server';
import { ReferenceSwtpm, freePortPair } from './referenceSwtpm.js';
import { runTool, type ToolResult } from './runTool.js';

export type Side = 'vtpm' | 'swtpm';
export const SIDES: readonly Side[] = ['vtpm', 'swtpm'];
export const otherSide = (s: Side): Side => (s === 'vtpm' ? 'swtpm' : 'vtpm');

/** The TPM response code a tool reported (the last "(0x...)"), or '' for none. */
export const tpmCode = (r: ToolResult) => (r.stderr.match(/\(0x[0-9a-f]+\)/gi)?.pop() ?? '').toLowerCase();

/**
 * A vtpm server (mssim or swtpm protocol) and the reference swtpm, each with its own working
 * directory, for tpm2-tools flows that cross between the two TPMs (a file made on one side is
 * used on the other via `../<side>/file`). Every step runs in a shell (`bash -c`) and is followed
 * by `tpm2_flushcontext -t`: without a resource manager both TPMs have three object slots.
 * VTPM_REF_SWTPM_PORT, VTPM_SWTPM_PORT and VTPM_MSSIM_PORT pin the port pairs.
 */
export class ToolPair {
  private constructor(
    readonly dir: string,
    private readonly vtpm: MssimServer | SwtpmServer,
    private readonly ref: ReferenceSwtpm,
    private readonly tctis: Record<Side, string>,
  ) {}

  static async start(protocol: 'mssim' | 'swtpm', prefix: string): Promise<ToolPair> {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    SIDES.forEach((s) => mkdirSync(join(dir, s)));
    const ref = await ReferenceSwtpm.start('not-need-init', Number(process.env.VTPM_REF_SWTPM_PORT) || undefined);
    let vtpm: MssimServer | SwtpmServer;
    let tcti: string;
    if (protocol === 'mssim') {
      vtpm = await MssimServer.start({ port: Number(process.env.VTPM_MSSIM_PORT) || (await freePortPair()) });
      tcti = `mssim:host=127.0.0.1,port=${vtpm.port}`;
    } else {
      const port = Number(process.env.VTPM_SWTPM_PORT) || (await freePortPair()); // the swtpm TCTI's control port is port + 1
      vtpm = await SwtpmServer.start({ port, ctrlPort: port + 1 });
      tcti = `swtpm:host=127.0.0.1,port=${port}`;
    }
    return new ToolPair(dir, vtpm, ref, { vtpm: tcti, swtpm: ref.tcti });
  }

  async stop(): Promise<void> {
    await this.vtpm?.close();
    await this.ref?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  tcti(side: Side): string {
    return this.tctis[side];
  }

  path(side: Side, file: string): string {
    return join(this.dir, side, file);
  }
  read(side: Side, file: string): Buffer {
    return readFileSync(this.path(side, file));
  }
  write(side: Side, file: string, data: string | Buffer): void {
    writeFileSync(this.path(side, file), data);
  }

  /** A shell step on one TPM (TPM2TOOLS_TCTI set, cwd its directory), then its transient objects flushed. */
  async try(side: Side, script: string): Promise<ToolResult> {
    const r = await runTool(this.tcti(side), 'bash', ['-c', script], { cwd: join(this.dir, side) });
    await runTool(this.tcti(side), 'tpm2_flushcontext', ['-t']);
    return r;
  }

  /** Like try(), but it must succeed. */
  async run(side: Side, script: string): Promise<string> {
    const r = await this.try(side, script);
    if (r.code !== 0) throw new Error(`${side}: ${script}\n  exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** The same step on both TPMs. */
  async both(script: string): Promise<void> {
    for (const s of SIDES) await this.run(s, script);
  }
}
