import { join } from 'node:path';
import type { EkTemplateId } from '@vtpm/tpm';
import { readOptions, type OptionSpec } from './argvReader.js';
import { parseEkTemplates } from './ekTemplateList.js';
import { OptionLookup } from './optionLookup.js';
import { TPM_STATE_OPTION_SPECS, parseTpmStateOptions, type TpmStateOptions } from './tpmStateOptions.js';

/** `vtpm manufacture`: what `swtpm_setup --tpm2 --create-ek-cert` does, with vtpm's own CA. */
export interface ManufactureOptions {
  help: boolean;
  stateDir: string;
  /** --tpmstate (with mode=), --key, --rollback-anchor: where and how the manufactured TPM is stored. */
  state: TpmStateOptions;
  /** The manufacturer CA's directory (ca.pem, ca-key.pem); default STATE_DIR/ca. */
  caDir: string;
  templates: EkTemplateId[];
  overwrite: boolean;
}

const COMMAND = 'vtpm manufacture';

const SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  ...TPM_STATE_OPTION_SPECS,
  { name: '--ca-dir', takesValue: true },
  { name: '--templates', takesValue: true },
  { name: '--overwrite', takesValue: false },
];

/** The templates tpm2_createek recreates (and manufacture() certifies by default). */
const DEFAULT_TEMPLATES: EkTemplateId[] = ['L-1', 'L-2'];

export function parseManufactureOptions(argv: readonly string[]): ManufactureOptions {
  const o = new OptionLookup(COMMAND, readOptions(COMMAND, argv, SPECS));
  const help = o.has('--help');
  if (!help) o.required('--tpmstate', 'dir=DIR, the TPM state directory');
  const state = parseTpmStateOptions(o);
  const stateDir = state.dir ?? '';
  const templates = o.value('--templates');
  return {
    help,
    stateDir,
    state,
    caDir: o.value('--ca-dir') ?? join(stateDir, 'ca'),
    templates: templates === null ? DEFAULT_TEMPLATES : parseEkTemplates(`${COMMAND}: --templates`, templates),
    overwrite: o.has('--overwrite'),
  };
}
