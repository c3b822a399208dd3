import { InProcessTransport, Startup, Tpm, TpmClient, TPM_SU, type ClientAuth, type TpmOptions } from '../../src/index.js';

/** An in-process TPM and a client for it, after Startup(CLEAR): where most unit tests begin. */
export interface StartedTpm {
  tpm: Tpm;
  client: TpmClient;
}

/** A started TPM on a test clock: its time is `clock.ms` (TpmOptions.now), moved by the test. */
export interface ClockedTpm extends StartedTpm {
  clock: { ms: number };
}

/** `seed` fixes the TPM's seeds (the same keys every run); without one they are random. */
export async function startTpm(seed?: string | Buffer, options: Omit<TpmOptions, 'seed'> = {}): Promise<StartedTpm> {
  return startUp(new Tpm({ ...options, seed: asBuffer(seed) }));
}

export async function startClockedTpm(seed: string | Buffer | undefined, startMs: number): Promise<ClockedTpm> {
  const clock = { ms: startMs };
  return { ...(await startUp(new Tpm({ seed: asBuffer(seed), now: () => clock.ms }))), clock };
}

/** _TPM_Init then Startup: a TPM Reset, or a Restart / Resume after Shutdown(STATE). */
export async function reboot(f: StartedTpm, startupType: number = TPM_SU.CLEAR): Promise<void> {
  f.tpm.init();
  await f.client.run(Startup, { params: { startupType } });
}

/** Password authorization (the empty password by default). */
export const pw = (password = ''): ClientAuth => ({ password });
/** The auth list of a command with one handle authorized by the empty password. */
export const PW: ClientAuth[] = [pw()];

async function startUp(tpm: Tpm): Promise<StartedTpm> {
  const client = new TpmClient(new InProcessTransport(tpm));
  await client.run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  return { tpm, client };
}

const asBuffer = (seed?: string | Buffer) => (typeof seed === 'string' ? Buffer.from(seed) : seed);
