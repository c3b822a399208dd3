import { spawn, type ChildProcess } from 'node:child_process';
import { ReferenceSwtpm, waitForPort } from '../lib/referenceSwtpm.js';
import { ToolDir } from '../lib/toolDir.js';
import { startVtpmServer } from '../lib/vtpmServer.js';

/**
 * Ports of the @vtpm/attest interop suites: each suite its own data/ctrl pair inside 2521-2539,
 * the range reserved for them, so they never collide with other suites' random ports.
 */
export const ATTEST_PORTS = { quote: 2521, credential: 2523, ekCertificate: 2525, vtpmQuote: 2527, vtpmCredential: 2529 } as const;

/** The TPM an attest suite runs tpm2-tools against, and their working directory. */
export interface AttestTarget {
  tools: ToolDir;
  /** Stops the TPM and removes the directory. */
  stop(): Promise<void>;
}

/** The reference swtpm, or vtpm behind the swtpm protocol, on the suite's ports; the directory is new (`dirPrefix`...). */
export async function startAttestTarget(target: 'swtpm' | 'vtpm', ports: { swtpm: number; vtpm: number }, dirPrefix: string): Promise<AttestTarget> {
  const tpm = target === 'swtpm' ? await ReferenceSwtpm.start('not-need-init', ports.swtpm) : await startVtpmServer('swtpm', { port: ports.vtpm });
  const tools = ToolDir.temp(tpm.tcti, dirPrefix);
  return {
    tools,
    async stop() {
      await tpm.stop();
      tools.remove();
    },
  };
}

/** swtpm on an existing state directory (one swtpm_setup prepared, with EK certificates in NV). */
export class StateDirSwtpm {
  private constructor(
    readonly port: number,
    private readonly proc: ChildProcess,
  ) {}

  static async start(stateDir: string, port: number): Promise<StateDirSwtpm> {
    const proc = spawn(
      'swtpm',
      ['socket', '--tpm2', '--tpmstate', `dir=${stateDir}`, '--server', `type=tcp,port=${port},bindaddr=127.0.0.1`, '--ctrl', `type=tcp,port=${port + 1},bindaddr=127.0.0.1`, '--flags', 'not-need-init,startup-clear'],
      { stdio: 'ignore' },
    );
    await waitForPort(port);
    return new StateDirSwtpm(port, proc);
  }

  get tcti(): string {
    return `swtpm:host=127.0.0.1,port=${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await exited;
  }
}
