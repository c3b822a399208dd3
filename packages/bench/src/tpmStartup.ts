import { InProcessTransport, Startup, Tpm, TPM_SU, TpmClient, type Transport } from '@vtpm/tpm';
import { RecordingTransport } from './recordingTransport.js';

const TPM_RC_INITIALIZE = 0x100;

/** A TPM in this process, after Startup(CLEAR). */
export async function startedTpm(): Promise<Tpm> {
  const tpm = new Tpm();
  await new TpmClient(new InProcessTransport(tpm)).run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  return tpm;
}

/** TPM2_Startup(CLEAR) bytes, as the typed client marshals them. */
export async function startupClearCommand(): Promise<Buffer> {
  const recorder = new RecordingTransport(new InProcessTransport(new Tpm()));
  await new TpmClient(recorder).run(Startup, { params: { startupType: TPM_SU.CLEAR } });
  return recorder.last!;
}

/** Sends Startup(CLEAR) on a new connection; a TPM already started (TPM_RC_INITIALIZE) is fine. */
export async function ensureStartup(tpm: Transport): Promise<void> {
  const response = await tpm.send(await startupClearCommand());
  const rc = response.readUInt32BE(6);
  if (rc !== 0 && rc !== TPM_RC_INITIALIZE) throw new Error(`Startup: rc 0x${rc.toString(16)}`);
}
