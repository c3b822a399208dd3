import { verify } from 'node:crypto';
import { verifyQuote } from '@vtpm/attest';
import type { TpmtPublic } from '@vtpm/tpm';
import { genuineQuote, importedKey } from './genuineQuote.js';
import { measureInterleaved, type MedianRate } from './interleavedRounds.js';
import { eccSigningTemplate, rsaAkTemplate } from './keyTemplates.js';
import { measureSync, type Budget } from './timing.js';

/** verifyQuote against node:crypto verifying the very same signature over the same octets. */
export interface QuoteVerificationResult {
  name: string;
  description: string;
  /** crypto.verify with a KeyObject imported once: the floor no verifier goes below. */
  nodeVerify?: MedianRate;
  /** crypto.verify after importing the AK's key (JWK) every time: for comparison only. */
  nodeImportAndVerify?: MedianRate;
  /** verifyQuote on the octets evidence carries (attest, TPMT_SIGNATURE, TPM2B_PUBLIC) and the PCR values. */
  verifyQuote?: MedianRate;
}

const KINDS: readonly { name: string; description: string; template: () => TpmtPublic }[] = [
  { name: 'verifyQuote_ECDSA', description: 'quote of sha256:0-7 by an ECDSA P-256 AK (SHA-256)', template: () => eccSigningTemplate(true) },
  { name: 'verifyQuote_RSA', description: 'quote of sha256:0-7 by an RSASSA-2048 AK (SHA-256)', template: rsaAkTemplate },
];
export const QUOTE_VERIFICATION_NAMES = KINDS.map((k) => k.name);

type Column = 'nodeVerify' | 'nodeImportAndVerify' | 'verifyQuote';

function accepted(verdict: ReturnType<typeof verifyQuote>): void {
  if (!verdict.ok) throw new Error(`verifyQuote refused a genuine quote: ${verdict.message}`);
}

/** Quotes verified per second, one quote (from an in-process vtpm) verified again and again; every verdict checked. */
export async function quoteVerificationRates(names: readonly string[], budget: Budget, rounds: number, progress: (line: string) => void): Promise<QuoteVerificationResult[]> {
  const results: QuoteVerificationResult[] = [];
  for (const kind of KINDS.filter((k) => names.includes(k.name))) {
    progress(kind.name);
    const quote = await genuineQuote(kind.template());
    const key = importedKey(quote);
    const check = (ok: boolean) => {
      if (!ok) throw new Error(`${kind.name}: a genuine quote did not verify`);
    };
    const rates = await measureInterleaved<Column>(
      [
        { column: 'nodeVerify', measure: async () => measureSync(() => check(verify('sha256', quote.attest, quote.verifyOptions(key), quote.nodeSignature)), budget) },
        { column: 'nodeImportAndVerify', measure: async () => measureSync(() => check(verify('sha256', quote.attest, quote.verifyOptions(importedKey(quote)), quote.nodeSignature)), budget) },
        { column: 'verifyQuote', measure: async () => measureSync(() => accepted(verifyQuote(quote.input)), budget) },
      ],
      rounds,
    );
    results.push({ name: kind.name, description: kind.description, ...rates });
  }
  return results;
}
