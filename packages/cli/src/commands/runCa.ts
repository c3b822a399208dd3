import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CA_CERTIFICATE_FILE } from '@vtpm/attest';
import { parseCaOptions } from '../args/caOptions.js';
import { CommandFailure } from '../runtime/commandFailure.js';
import { readInputFile } from '../runtime/files.js';
import { CA_HELP } from './manufactureHelpText.js';

/** `vtpm ca export --ca-dir DIR`: the manufacturer CA certificate (PEM), for verifiers to trust. */
export async function runCa(argv: readonly string[]): Promise<void> {
  const opts = parseCaOptions(argv);
  if (opts.help) return void process.stdout.write(CA_HELP);
  const certificate = join(opts.caDir, CA_CERTIFICATE_FILE);
  if (!existsSync(certificate)) throw new CommandFailure(`vtpm ca export: no CA in ${opts.caDir} (no ${CA_CERTIFICATE_FILE}): vtpm manufacture --tpmstate dir=DIR --ca-dir ${opts.caDir} creates one`);
  process.stdout.write(readInputFile('vtpm ca export', 'CA certificate', certificate));
}
