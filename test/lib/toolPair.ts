import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReferenceSwtpm, pinnedPort } from './referenceSwtpm.js';
import { runTool, type ToolResult } from './runTool.js';
import { ToolDir } from './toolDir.js';
import { startVtpmServer, type Protocol, type VtpmServer } from './vtpmServer.js';

export type Side = 'vtpm' | 'swtpm';
export const SIDES: readonly Side[] = ['vtpm', 'swtpm'];
export const otherSide = (s: Side): Side => (s === 'vtpm' ? 'swtpm' : 'vtpm');

/** The TPM response code a tool reported (the last "(0x...)"), or '' for none. */
export const tpmCode = (r: ToolResult) => (r.stderr.match(/\(0x[0-9a-f]+\)/gi)?.pop() ?? '').toLowerCase();

/**
 * A vtpm server (mssim or swtpm protocol) and the reference swtpm, each with its own working
 * directory, for tpm2-tools flows run on both TPMs and compared. Files cross between them via
 * `../<side>/file`. Without a resource manager both TPMs have three object slots: scripts
 * (`bash -c`, try/run/both) and compare() are followed by `tpm2_flushcontext -t`.
 * VTPM_REF_SWTPM_PORT, VTPM_SWTPM_PORT and VTPM_MSSIM_PORT pin the port pairs; otherwise free ones are picked.
 */
export class ToolPair {
  private constructor(
    readonly dir: string,
    readonly vtpm: VtpmServer,
    readonly ref: ReferenceSwtpm,
    private readonly dirs: Record<Side, ToolDir>,
  ) {}

  static async start(protocol: Protocol, prefix: string): Promise<ToolPair> {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    SIDES.forEach((s) => mkdirSync(join(dir, s)));
    let ref: ReferenceSwtpm | undefined;
    try {
      ref = await ReferenceSwtpm.start('not-need-init', pinnedPort('VTPM_REF_SWTPM_PORT'));
      const vtpm = await startVtpmServer(protocol);
      return new ToolPair(dir, vtpm, ref, { vtpm: new ToolDir(vtpm.tcti, join(dir, 'vtpm')), swtpm: new ToolDir(ref.tcti, join(dir, 'swtpm')) });
    } catch (e) {
      await ref?.stop();
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  async stop(): Promise<void> {
    await this.vtpm.stop();
    await this.ref.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** One side's TPM and working directory. */
  on(side: Side): ToolDir {
    return this.dirs[side];
  }

  tcti(side: Side): string {
    return this.dirs[side].tcti;
  }

  path(side: Side, file: string): string {
    return this.dirs[side].file(file);
  }
  read(side: Side, file: string): Buffer {
    return this.dirs[side].read(file);
  }
  write(side: Side, file: string, data: string | Buffer): void {
    this.dirs[side].file(file, data);
  }
  /** The same file in both directories. */
  inBoth(file: string, data: string | Buffer): void {
    for (const s of SIDES) this.write(s, file, data);
  }

  /** A shell step on one TPM (TPM2TOOLS_TCTI set, cwd its directory), then its transient objects flushed. */
  async try(side: Side, script: string): Promise<ToolResult> {
    const r = await this.on(side).run(['bash', '-c', script]);
    await runTool(this.tcti(side), 'tpm2_flushcontext', ['-t']);
    return r;
  }

  /** Like try(), but it must succeed. */
  async run(side: Side, script: string): Promise<string> {
    const r = await this.try(side, script);
    if (r.code !== 0) throw new Error(`${side}: ${script}\n  exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** The same shell step on both TPMs. */
  async both(script: string): Promise<void> {
    for (const s of SIDES) await this.run(s, script);
  }

  /** One tool step on both TPMs at once; how each ended. */
  async runOnBoth(args: string[], opts: { input?: string | Buffer } = {}): Promise<Record<Side, ToolResult>> {
    const [vtpm, swtpm] = await Promise.all(SIDES.map((s) => this.on(s).run(args, opts.input)));
    return { vtpm: vtpm!, swtpm: swtpm! };
  }

  /**
   * runOnBoth(), then (unless `flush` is false) both TPMs' transient objects flushed: both must end
   * with the same exit code and TPM response code, and succeed unless `expectFailure` names the code, e.g. '(0x98e)'.
   */
  async compare(args: string[], opts: { expectFailure?: string; input?: string | Buffer; flush?: boolean } = {}): Promise<Record<Side, ToolResult>> {
    const results = await this.runOnBoth(args, opts);
    if (opts.flush ?? true) await Promise.all(SIDES.map((s) => runTool(this.tcti(s), 'tpm2_flushcontext', ['-t'])));
    const { vtpm: a, swtpm: b } = results;
    const what = `${args.join(' ')}\n  vtpm: ${a.stderr.trim()}\n  swtpm: ${b.stderr.trim()}`;
    expect(a.code, what).to.equal(b.code);
    expect(tpmCode(a), what).to.equal(tpmCode(b));
    if (opts.expectFailure !== undefined) {
      expect(a.code, what).to.not.equal(0);
      expect(tpmCode(a), what).to.equal(opts.expectFailure);
    } else {
      expect(a.code, what).to.equal(0);
    }
    return results;
  }

  /** One tool step that must succeed on both TPMs (run at once, nothing flushed); their stdouts. */
  async okOnBoth(args: string[], opts: { input?: string | Buffer } = {}): Promise<Record<Side, string>> {
    const [vtpm, swtpm] = await Promise.all(SIDES.map((s) => this.on(s).ok(args, opts.input)));
    return { vtpm: vtpm!, swtpm: swtpm! };
  }

  /** A command that uses no TPM (openssl, tpm2_checkquote) in both directories; it must succeed in both. */
  locally(cmd: string, args: string[]): Promise<string[]> {
    return Promise.all(SIDES.map((s) => this.on(s).ok([cmd, ...args])));
  }
}
