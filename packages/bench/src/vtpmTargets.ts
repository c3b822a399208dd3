import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tpm } from '@vtpm/tpm';
import { MssimServer, SwtpmServer } from '@vtpm/server';
import { ChildServer } from './childServer.js';

/** A vtpm server the benchmark talks to over TCP: where it listens and how to stop it. */
export interface VtpmSocketTarget {
  /** How it runs, for the output header. */
  where: string;
  port: number;
  /** Process id when it runs as a child process. */
  pid?: number;
  stop(): Promise<void>;
}

export interface VtpmMssimTarget extends VtpmSocketTarget {
  platformPort: number;
}

/** vtpm's mssim server in this process: the TPM shares the event loop (and CPU) with the benchmark client. */
export async function startInProcessMssim(host: string, port: number): Promise<VtpmMssimTarget> {
  const server = await MssimServer.start({ host, port, tpm: new Tpm() });
  return { where: 'in-process server (same node process and event loop as the client)', port: server.port, platformPort: server.platformPort, stop: () => server.close() };
}

export async function startInProcessSwtpm(host: string, port: number): Promise<VtpmSocketTarget> {
  const server = await SwtpmServer.start({ host, port, ctrlPort: port + 1, tpm: new Tpm() });
  return { where: 'in-process server', port: server.port, stop: () => server.close() };
}

/** The `vtpm` command (packages/cli), built. */
export const CLI_MAIN = fileURLToPath(new URL('../../../cli/dist/src/main.js', import.meta.url));

function requireCli(): void {
  if (!existsSync(CLI_MAIN)) throw new Error(`--vtpm-process needs the vtpm CLI built at ${CLI_MAIN} (npm run build)`);
}

/** `vtpm mssim --port P` as a child process: a separate process, as swtpm is, for a like-for-like comparison. */
export async function startChildMssim(host: string, port: number): Promise<VtpmMssimTarget> {
  requireCli();
  const server = await ChildServer.start({ name: 'vtpm mssim', command: process.execPath, args: [CLI_MAIN, 'mssim', '--port', String(port)], host, port });
  return { where: `child process: node ${CLI_MAIN} mssim --port ${port}`, port, platformPort: port + 1, pid: server.child.pid, stop: () => server.stop() };
}

/** `vtpm socket` with swtpm's flags as a child process. */
export async function startChildSwtpm(host: string, port: number): Promise<VtpmSocketTarget> {
  requireCli();
  const stateDir = mkdtempSync(join(tmpdir(), 'vtpm-bench-vtpm-'));
  const args = [CLI_MAIN, 'socket', '--tpm2', '--server', `type=tcp,port=${port},bindaddr=${host}`, '--ctrl', `type=tcp,port=${port + 1},bindaddr=${host}`, '--tpmstate', `dir=${stateDir}`, '--flags', 'not-need-init,startup-clear'];
  try {
    const server = await ChildServer.start({ name: 'vtpm socket', command: process.execPath, args, host, port });
    return {
      where: `child process: node ${CLI_MAIN} socket --tpm2 ...`,
      port,
      pid: server.child.pid,
      stop: async () => {
        await server.stop();
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(stateDir, { recursive: true, force: true });
    throw e;
  }
}
