import { MssimServer, SwtpmServer } from '@vtpm/server';
import type { Tpm } from '@vtpm/tpm';
import { freePortPair, pinnedPort } from './referenceSwtpm.js';

/** The TCTI protocols vtpm serves, each on two adjacent ports (mssim: command + platform; swtpm: data + control). */
export type Protocol = 'mssim' | 'swtpm';
export const PROTOCOLS: readonly Protocol[] = ['mssim', 'swtpm'];

const PORT_VARIABLE: Record<Protocol, string> = { mssim: 'VTPM_MSSIM_PORT', swtpm: 'VTPM_SWTPM_PORT' };

/** vtpm served over one protocol, and the TCTI string that reaches it. */
export interface VtpmServer {
  readonly port: number;
  readonly tcti: string;
  stop(): Promise<void>;
}

/**
 * vtpm behind `protocol` on `port` and port + 1 (where tpm2-tss' TCTIs look for the second
 * channel): by default the port VTPM_MSSIM_PORT / VTPM_SWTPM_PORT pins, or a free pair.
 */
export async function startVtpmServer(protocol: Protocol, opts: { port?: number; tpm?: Tpm } = {}): Promise<VtpmServer> {
  const port = opts.port ?? pinnedPort(PORT_VARIABLE[protocol]) ?? (await freePortPair());
  const server = protocol === 'mssim' ? await MssimServer.start({ port, tpm: opts.tpm }) : await SwtpmServer.start({ port, ctrlPort: port + 1, tpm: opts.tpm });
  return { port, tcti: `${protocol}:host=127.0.0.1,port=${port}`, stop: () => server.close() };
}

/** vtpm over both protocols at once, each with its own TPM. */
export async function startVtpmServers(): Promise<Record<Protocol, VtpmServer>> {
  const mssim = await startVtpmServer('mssim');
  try {
    return { mssim, swtpm: await startVtpmServer('swtpm') };
  } catch (e) {
    await mssim.stop();
    throw e;
  }
}
