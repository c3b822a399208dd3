import { InProcessTransport, Shutdown, TPM_SU, Tpm, TpmClient } from '@vtpm/tpm';
import { manufacture, type ManufactureResult } from '@vtpm/attest';
import { CommandFailure } from './commandFailure.js';
import { prepareWritableDirectory } from './stateDir.js';
import { openServedState, type ServedState } from './tpmStateSetup.js';
import type { TpmStateOptions } from '../args/tpmStateOptions.js';

/**
 * `--ek-cert CA_DIR` of the servers: a new TPM manufactured as a factory would (EK certificates of
 * L-1 and L-2 in NV, signed by the CA in CA_DIR, created there on first use), then shut down
 * orderly and re-initialised, so clients find it as a freshly powered TPM waiting for Startup.
 */
export async function manufacturedTpm(command: string, caDir: string): Promise<{ tpm: Tpm; manufactured: ManufactureResult }> {
  // Made here, not by the CA code: its recursive mkdir never returns under /proc.
  prepareWritableDirectory(`${command}: --ek-cert ${caDir}`, caDir);
  const tpm = new Tpm();
  let manufactured: ManufactureResult;
  try {
    manufactured = await manufacture(tpm, caDir);
  } catch (e) {
    throw new CommandFailure(`${command}: --ek-cert ${caDir}: cannot manufacture the TPM: ${(e as Error).message}`);
  }
  await new TpmClient(new InProcessTransport(tpm)).run(Shutdown, { params: { shutdownType: TPM_SU.CLEAR } });
  tpm.init();
  return { tpm, manufactured };
}

/** What the listening line adds: where the certificates are and which CA signed them. */
export function ekCertificateSummary(manufactured: ManufactureResult, caDir: string): string {
  const indices = manufactured.eks.map((ek) => `0x${ek.certIndex.toString(16).padStart(8, '0')}`).join(', ');
  return `EK certificates at ${indices} (CA ${caDir})`;
}

/**
 * The TPM `vtpm socket` and `vtpm mssim` serve: the stored one, or a new one (manufactured with EK
 * certificates when `--ek-cert` names a CA), plus the manufacture result when one was made now.
 */
export async function openTpmToServe(
  command: string,
  state: TpmStateOptions,
  ekCertCaDir: string | null | undefined,
  resumeVolatile: boolean,
): Promise<{ state: ServedState; manufactured: ManufactureResult | null }> {
  let manufactured: ManufactureResult | null = null;
  const served = await openServedState(command, state, {
    resumeVolatile,
    fresh: async () => {
      if (!ekCertCaDir) return new Tpm();
      const made = await manufacturedTpm(command, ekCertCaDir);
      manufactured = made.manufactured;
      return made.tpm;
    },
  });
  return { state: served, manufactured };
}
