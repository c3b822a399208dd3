import type { PcrSelection } from '@vtpm/tpm';
import type { Tpm2ToolsPcrsFormat } from '@vtpm/attest';
import { readOptions, type OptionSpec } from './argvReader.js';
import { parseHex } from './hexValue.js';
import { OptionLookup } from './optionLookup.js';
import { parsePcrSelection } from './pcrSelectionValue.js';
import { UsageError } from './usageError.js';

/** tpm2_quote's output files (-m, -s, -o, -F). */
export interface Tpm2QuoteFiles {
  message: string;
  signature: string;
  pcrs: string;
  pcrsFormat: Tpm2ToolsPcrsFormat;
}

/** `vtpm attest verify`: judges evidence (our CBOR bundle, or tpm2_quote's files) against the verifier's nonce. */
export interface VerifyOptions {
  help: boolean;
  /** Exactly one of `evidence` and `tpm2` is set. */
  evidence: string | null;
  tpm2: Tpm2QuoteFiles | null;
  nonce: Buffer;
  /** The AK the verifier trusts (TPM2B_PUBLIC or TPMT_PUBLIC file). */
  akPublic: string | null;
  reference: string | null;
  /** The PCRs the verifier asked for; default the reference's, else the evidence's own. */
  pcrs: PcrSelection[] | null;
  /** Accept SHA-1 PCR banks and signatures (refused by default). */
  allowSha1: boolean;
  resultKey: string | null;
  out: string | null;
}

const COMMAND = 'vtpm attest verify';
const PCRS_FORMATS: readonly Tpm2ToolsPcrsFormat[] = ['serialized', 'marshaled', 'values'];

const SPECS: readonly OptionSpec[] = [
  { name: '--help', aliases: ['-h'], takesValue: false },
  { name: '--evidence', takesValue: true },
  { name: '--tpm2-quote', takesValue: true },
  { name: '--tpm2-sig', takesValue: true },
  { name: '--tpm2-pcrs', takesValue: true },
  { name: '--tpm2-pcrs-format', takesValue: true },
  { name: '--nonce', takesValue: true },
  { name: '--ak-public', takesValue: true },
  { name: '--ak-pem', takesValue: true },
  { name: '--reference', takesValue: true },
  { name: '--pcrs', takesValue: true },
  { name: '--allow-sha1', takesValue: false },
  { name: '--result-key', takesValue: true },
  { name: '--out', takesValue: true },
];

/**
 * A PEM key says nothing about the TPM object behind it: the verifier could not tell a restricted
 * AK (which only signs what the TPM generated) from a key that signs a forged TPMS_ATTEST.
 */
const AK_PEM_REFUSAL =
  '--ak-pem: a PEM key lacks the AK\'s TPM attributes, so a quote forged with an unrestricted key could not be told apart; give the AK\'s public area instead: --ak-public ak.pub (tpm2_createak -u ak.pub, or tpm2_readpublic -c ak.ctx -o ak.pub)';

export function parseVerifyOptions(argv: readonly string[]): VerifyOptions {
  const o = new OptionLookup(COMMAND, readOptions(COMMAND, argv, SPECS));
  const help = o.has('--help');
  if (help) return { help, evidence: null, tpm2: null, nonce: Buffer.alloc(0), akPublic: null, reference: null, pcrs: null, allowSha1: false, resultKey: null, out: null };
  if (o.has('--ak-pem')) throw new UsageError(`${COMMAND}: ${AK_PEM_REFUSAL}`);
  o.exclusive('--evidence', '--tpm2-quote');
  const nonce = parseHex(`${COMMAND}: --nonce`, o.required('--nonce', 'the nonce the verifier issued, in hex'));
  const akPublic = o.value('--ak-public');
  const resultKey = o.value('--result-key');
  const out = o.value('--out');
  if (out !== null && resultKey === null) throw new UsageError(`${COMMAND}: --out needs --result-key (the verifier's P-256 key that signs the result)`);
  const pcrs = o.value('--pcrs');
  return {
    help,
    evidence: o.has('--tpm2-quote') ? null : o.required('--evidence', 'the evidence file, or tpm2_quote output with --tpm2-quote, --tpm2-sig, --tpm2-pcrs'),
    tpm2: o.has('--tpm2-quote') ? tpm2Files(o, akPublic) : null,
    nonce,
    akPublic,
    reference: o.value('--reference'),
    pcrs: pcrs === null ? null : parsePcrSelection(`${COMMAND}: --pcrs`, pcrs),
    allowSha1: o.has('--allow-sha1'),
    resultKey,
    out,
  };
}

function tpm2Files(o: OptionLookup, akPublic: string | null): Tpm2QuoteFiles {
  if (akPublic === null) throw new UsageError(`${COMMAND}: --tpm2-quote needs --ak-public (tpm2_createak -u ak.pub): tpm2_quote's files do not hold the AK`);
  const format = o.value('--tpm2-pcrs-format') ?? 'serialized';
  if (!PCRS_FORMATS.includes(format as Tpm2ToolsPcrsFormat)) throw new UsageError(`${COMMAND}: --tpm2-pcrs-format: unknown format '${format}' (${PCRS_FORMATS.join(', ')})`);
  return {
    message: o.value('--tpm2-quote')!,
    signature: o.required('--tpm2-sig', 'tpm2_quote -s'),
    pcrs: o.required('--tpm2-pcrs', 'tpm2_quote -o'),
    pcrsFormat: format as Tpm2ToolsPcrsFormat,
  };
}
