import { readOptions, type OptionSpec } from './argvReader.js';
import { parsePort } from './numbers.js';
import { OptionLookup } from './optionLookup.js';
import { TPM_STATE_OPTION_SPECS, parseTpmStateOptions, type TpmStateOptions } from './tpmStateOptions.js';
import { UsageError } from './usageError.js';

/** `vtpm mssim`: the Microsoft simulator protocol on --port (commands) and --port + 1 (platform). */
export interface MssimOptions {
  help: boolean;
  host: string;
  port: number;
  /** --tpmstate, --key, --rollback-anchor. */
  state: TpmStateOptions;
  /** `--ek-cert CA_DIR`: manufacture the TPM (EK certificates in NV) with this CA before listening. */
  ekCertCaDir: string | null;
}

/** The port tpm2-tss' mssim TCTI uses when none is given. */
export const MSSIM_DEFAULT_PORT = 2321;

const SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  { name: '--port', aliases: ['-p'], takesValue: true },
  { name: '--host', takesValue: true },
  ...TPM_STATE_OPTION_SPECS,
  { name: '--ek-cert', takesValue: true },
];

export function parseMssimOptions(argv: readonly string[]): MssimOptions {
  const options = readOptions('vtpm mssim', argv, SPECS);
  const last = (name: string) => options.filter((o) => o.name === name).at(-1);
  const port = last('--port');
  const state = parseTpmStateOptions(new OptionLookup('vtpm mssim', options));
  const portNumber = port ? parsePort('--port', port.value!) : MSSIM_DEFAULT_PORT;
  if (portNumber === 65535) throw new UsageError('vtpm mssim: --port 65535 leaves no room for the platform port (--port + 1)');
  const host = last('--host')?.value ?? '127.0.0.1';
  if (host === '') throw new UsageError('vtpm mssim: --host: empty address');
  return { help: options.some((o) => o.name === '--help'), host, port: portNumber, state, ekCertCaDir: last('--ek-cert')?.value ?? null };
}
