import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tpm, TpmClient, InProcessTransport, Shutdown, TPM_SU, ekTemplate } from '@vtpm/tpm';
import { BLOB_TYPE, STATE_FILE_NAMES, removeFileDurably } from '@vtpm/server';
import { CA_CERTIFICATE_FILE, CA_KEY_FILE, manufacture, type ManufactureResult } from '@vtpm/attest';
import { parseManufactureOptions } from '../args/manufactureOptions.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { prepareStateDir, prepareWritableDirectory } from '../runtime/stateDir.js';
import { openServedState } from '../runtime/tpmStateSetup.js';
import { MANUFACTURE_HELP } from './manufactureHelpText.js';

const COMMAND = 'vtpm manufacture';

/**
 * `vtpm manufacture`: swtpm_setup --create-ek-cert for vtpm. The TPM is manufactured (EK
 * certificates in NV), shut down orderly and written to --tpmstate, where `vtpm socket` or
 * `vtpm mssim` serve it from.
 */
export async function runManufacture(argv: readonly string[]): Promise<void> {
  const opts = parseManufactureOptions(argv);
  if (opts.help) return void process.stdout.write(MANUFACTURE_HELP);
  prepareStateDir(opts.stateDir);
  // Made here, not by the CA code: its recursive mkdir never returns under /proc.
  prepareWritableDirectory(`--ca-dir ${opts.caDir}`, opts.caDir);
  if (existsSync(join(opts.stateDir, STATE_FILE_NAMES[BLOB_TYPE.permanent]))) {
    if (!opts.overwrite) throw new CommandFailure(`${COMMAND}: ${opts.stateDir} holds a TPM state already (--overwrite replaces it)`);
    for (const name of Object.values(STATE_FILE_NAMES)) await removeFileDurably(join(opts.stateDir, name));
  }
  const caExisted = existsSync(join(opts.caDir, CA_CERTIFICATE_FILE));
  const tpm = new Tpm();
  let result: ManufactureResult;
  try {
    result = await manufacture(tpm, opts.caDir, { templates: opts.templates });
    // As a factory leaves it: shut down orderly, so the first Startup(CLEAR) is an orderly one.
    await new TpmClient(new InProcessTransport(tpm)).run(Shutdown, { params: { shutdownType: TPM_SU.CLEAR } });
  } catch (e) {
    throw new CommandFailure(`${COMMAND}: ${(e as Error).message}`);
  }
  const state = await openServedState(COMMAND, opts.state, { resumeVolatile: false, fresh: () => tpm });
  await state.keeper.flush();
  state.keeper.store.files?.lock.release();
  process.stdout.write(report(result, opts.caDir, caExisted, opts.stateDir, state.keeper.store.generation, opts.state.key !== null));
}

function report(result: ManufactureResult, caDir: string, caExisted: boolean, stateDir: string, generation: bigint, sealed: boolean): string {
  const lines = [`manufacturer CA: ${caExisted ? 'loaded from' : 'created in'} ${caDir} (${CA_CERTIFICATE_FILE}, ${CA_KEY_FILE})`];
  const { identity } = result;
  lines.push(`TPM: manufacturer ${identity.manufacturer}, model ${identity.model}, firmware ${identity.version}`);
  for (const ek of result.eks) {
    const index = `0x${ek.certIndex.toString(16).padStart(8, '0')}`;
    lines.push(`EK ${ek.templateId}, ${ekTemplate(ek.templateId).description}: Name ${ek.ekName.toString('hex')}, certificate (${ek.certificate.length} bytes) in NV index ${index}`);
  }
  lines.push(`${result.eks.length} EK certificates issued.`);
  lines.push(`TPM state saved in ${stateDir} (generation ${generation}${sealed ? ', encrypted with --key' : ''}). Serve it with:`);
  lines.push(`vtpm socket --tpm2 --server type=tcp,port=2321 --tpmstate dir=${stateDir} --flags not-need-init,startup-clear${sealed ? ' --key ...' : ''}`);
  return `${lines.join('\n')}\n`;
}
