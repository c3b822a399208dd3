import { TPM_RH, type PcrSelection } from '@vtpm/tpm';
import { readOptions, type OptionSpec } from './argvReader.js';
import { parseAkParent, parsePersistentHandle, type AkSource } from './handleValue.js';
import { parseHex } from './hexValue.js';
import { OptionLookup } from './optionLookup.js';
import { parsePcrSelection } from './pcrSelectionValue.js';
import { parseTcti, type TctiTarget } from './tctiValue.js';
import { UsageError } from './usageError.js';

/** `vtpm attest quote`: an AK quotes PCRs of a TPM over TCP; the evidence goes to a file. */
export interface QuoteOptions {
  help: boolean;
  tcti: TctiTarget;
  pcrs: PcrSelection[];
  /** Null: a random one, printed. */
  nonce: Buffer | null;
  ak: AkSource;
  eventLog: string | null;
  akPublicOut: string | null;
  out: string;
}

const COMMAND = 'vtpm attest quote';
export const DEFAULT_QUOTE_PCRS = 'sha256:0,1,2,3,4,5,6,7';

const SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  { name: '--tcti', takesValue: true },
  { name: '--pcrs', takesValue: true },
  { name: '--nonce', takesValue: true },
  { name: '--parent', takesValue: true },
  { name: '--ak-handle', takesValue: true },
  { name: '--eventlog', takesValue: true },
  { name: '--ak-public-out', takesValue: true },
  { name: '--out', takesValue: true },
];

export function parseQuoteOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): QuoteOptions {
  const o = new OptionLookup(COMMAND, readOptions(COMMAND, argv, SPECS));
  if (o.has('--help')) return { help: true, tcti: { kind: 'mssim', host: '', port: 0 }, pcrs: [], nonce: null, ak: DEFAULT_AK, eventLog: null, akPublicOut: null, out: '' };
  o.exclusive('--parent', '--ak-handle');
  const tcti = o.value('--tcti') ?? env.TPM2TOOLS_TCTI ?? null;
  if (tcti === null) throw new UsageError(`${COMMAND}: give --tcti mssim:host=ADDRESS,port=N or swtpm:host=ADDRESS,port=N (or set TPM2TOOLS_TCTI)`);
  const nonce = o.value('--nonce');
  return {
    help: false,
    tcti: parseTcti(`${COMMAND}: --tcti`, tcti),
    pcrs: parsePcrSelection(`${COMMAND}: --pcrs`, o.value('--pcrs') ?? DEFAULT_QUOTE_PCRS),
    nonce: nonce === null ? null : parseHex(`${COMMAND}: --nonce`, nonce),
    ak: akSource(o),
    eventLog: o.value('--eventlog'),
    akPublicOut: o.value('--ak-public-out'),
    out: o.required('--out', 'the evidence file to write'),
  };
}

/** Without --parent or --ak-handle: the endorsement hierarchy's primary AK. */
const DEFAULT_AK: AkSource = { kind: 'primary', hierarchy: TPM_RH.ENDORSEMENT };

function akSource(o: OptionLookup): AkSource {
  const akHandle = o.value('--ak-handle');
  if (akHandle !== null) return { kind: 'persistent', handle: parsePersistentHandle(`${COMMAND}: --ak-handle`, akHandle) };
  const parent = o.value('--parent');
  return parent === null ? DEFAULT_AK : parseAkParent(`${COMMAND}: --parent`, parent);
}
