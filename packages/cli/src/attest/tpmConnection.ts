import { GetCapability, Startup, TPM_CAP, TPM_PT, TPM_RC, TPM_SU, TpmClient, TpmResponseError } from '@vtpm/tpm';
import { MssimTransport, SwtpmTransport } from '@vtpm/server';
import type { TctiTarget } from '../args/tctiValue.js';
import { CommandFailure } from '../runtime/commandFailure.js';

/** A client of a TPM over TCP, ready for commands. */
export interface TpmConnection {
  client: TpmClient;
  close(): Promise<void>;
}

/**
 * Connects as tpm2-tss' TCTIs do (mssim: POWER_ON and NV_ON on the platform port, which a powered
 * TPM ignores) and sends Startup(CLEAR) when the TPM answers TPM_RC_INITIALIZE, as tpm2-tools
 * users do with tpm2_startup -c.
 */
export async function connectTpm(command: string, target: TctiTarget): Promise<TpmConnection> {
  const where = `${target.kind}:host=${target.host},port=${target.port}`;
  let transport: MssimTransport | SwtpmTransport;
  try {
    transport = target.kind === 'mssim' ? await MssimTransport.connect(target.host, target.port) : await SwtpmTransport.connect(target.host, target.port);
    if (transport instanceof MssimTransport) await transport.powerOn();
  } catch (e) {
    throw new CommandFailure(`${command}: cannot connect to ${where}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const client = new TpmClient(transport);
  try {
    await startedIfNeeded(client);
  } catch (e) {
    await transport.close();
    throw new CommandFailure(`${command}: ${where}: ${(e as Error).message}`);
  }
  return { client, close: () => transport.close() };
}

async function startedIfNeeded(client: TpmClient): Promise<void> {
  try {
    await client.run(GetCapability, { params: { capability: TPM_CAP.TPM_PROPERTIES, property: TPM_PT.MANUFACTURER, propertyCount: 1 } });
  } catch (e) {
    if (!(e instanceof TpmResponseError && e.rc === TPM_RC.INITIALIZE)) throw e;
    await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  }
}
