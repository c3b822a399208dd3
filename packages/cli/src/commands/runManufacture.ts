import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tpm, ekTemplate } from '@vtpm/tpm';
import { CA_CERTIFICATE_FILE, CA_KEY_FILE, manufacture, type ManufactureResult } from '@vtpm/attest';
import { parseManufactureOptions } from '../args/manufactureOptions.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { prepareStateDir, prepareWritableDirectory } from '../runtime/stateDir.js';
import { MANUFACTURE_HELP } from './manufactureHelpText.js';

const COMMAND = 'vtpm manufacture';

/**
 * `vtpm manufacture`: swtpm_setup --create-ek-cert for vtpm. The CA and the certificates are real;
 * the TPM they certify is not saved (state persistence is not implemented yet), which the output says.
 */
export async function runManufacture(argv: readonly string[]): Promise<void> {
  const opts = parseManufactureOptions(argv);
  if (opts.help) return void process.stdout.write(MANUFACTURE_HELP);
  prepareStateDir(opts.stateDir);
  // Made here, not by the CA code: its recursive mkdir never returns under /proc.
  prepareWritableDirectory(`--ca-dir ${opts.caDir}`, opts.caDir);
  const caExisted = existsSync(join(opts.caDir, CA_CERTIFICATE_FILE));
  let result: ManufactureResult;
  try {
    result = await manufacture(new Tpm(), opts.caDir, { templates: opts.templates });
  } catch (e) {
    throw new CommandFailure(`${COMMAND}: ${(e as Error).message}`);
  }
  process.stdout.write(report(result, opts.caDir, caExisted));
}

function report(result: ManufactureResult, caDir: string, caExisted: boolean): string {
  const lines = [`manufacturer CA: ${caExisted ? 'loaded from' : 'created in'} ${caDir} (${CA_CERTIFICATE_FILE}, ${CA_KEY_FILE})`];
  const { identity } = result;
  lines.push(`TPM: manufacturer ${identity.manufacturer}, model ${identity.model}, firmware ${identity.version}`);
  for (const ek of result.eks) {
    const index = `0x${ek.certIndex.toString(16).padStart(8, '0')}`;
    lines.push(`EK ${ek.templateId}, ${ekTemplate(ek.templateId).description}: Name ${ek.ekName.toString('hex')}, certificate (${ek.certificate.length} bytes) in NV index ${index}`);
  }
  lines.push(`${result.eks.length} EK certificates issued.`);
  lines.push('The TPM state is not saved (not implemented yet): this TPM ends with the command. To serve a');
  lines.push(`manufactured TPM, start it with its certificates: vtpm socket --tpm2 ... --ek-cert ${caDir}`);
  return `${lines.join('\n')}\n`;
}
