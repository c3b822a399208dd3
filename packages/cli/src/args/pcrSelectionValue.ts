import { HASH_ALGORITHMS, pcrBitmap, type PcrSelection } from '@vtpm/tpm';
import { UsageError } from './usageError.js';

/** PC Client TPMs have 24 PCRs (the TPM package's selections are 3-octet bitmaps). */
const PCR_COUNT = 24;

/** A hash algorithm by its tpm2-tools name (sha1, sha256, sha384, sha512). */
export function parseBankName(what: string, name: string): number {
  const alg = HASH_ALGORITHMS.find((h) => h.name === name.toLowerCase())?.alg;
  if (alg === undefined) throw new UsageError(`${what}: unknown PCR bank '${name}' (${HASH_ALGORITHMS.map((h) => h.name).join(', ')})`);
  return alg;
}

/** tpm2-tools' PCR selection syntax: `sha256:0,1,2+sha1:all`. */
export function parsePcrSelection(what: string, text: string): PcrSelection[] {
  const selection: PcrSelection[] = [];
  for (const part of text.split('+')) {
    const colon = part.indexOf(':');
    if (colon < 0) throw new UsageError(`${what}: '${part}' is not BANK:PCRS (e.g. sha256:0,1,2,3,4,5,6,7)`);
    const hash = parseBankName(what, part.slice(0, colon));
    if (selection.some((s) => s.hash === hash)) throw new UsageError(`${what}: bank '${part.slice(0, colon)}' given twice`);
    const list = part.slice(colon + 1);
    const pcrs = list === 'all' ? [...Array(PCR_COUNT).keys()] : list.split(',').map((p) => parsePcrIndex(what, p));
    selection.push({ hash, pcrSelect: pcrBitmap(pcrs) });
  }
  return selection;
}

function parsePcrIndex(what: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) >= PCR_COUNT) throw new UsageError(`${what}: '${text}' is not a PCR index (0-${PCR_COUNT - 1})`);
  return Number(text);
}
