import { Quote, TPM_ALG, type PcrSelection, type TpmClient } from '@vtpm/tpm';
import { encodeEvidence, evidenceFromTpmClient, verifyQuote } from '@vtpm/attest';
import type { LoadedAk } from './attestationKey.js';
import { readPcrValues } from './pcrRead.js';

/** A PCR extended between Quote and PCR_Read makes the values disagree with the quote: quote again. */
const ATTEMPTS = 3;

/**
 * Quote and PCR_Read, checked here with the verifier's own verifyQuote before anything is written
 * (so a TPM problem shows now, not at the verifier), as the evidence CBOR bundle.
 */
export async function quoteEvidence(client: TpmClient, ak: LoadedAk, nonce: Buffer, selection: PcrSelection[], eventLog?: Buffer): Promise<Buffer> {
  for (let attempt = 1; ; attempt++) {
    // The AK's own scheme (ECDSA/SHA-256 for the AK made here) signs: inScheme NULL.
    const quote = await client.run(Quote, { handles: { signHandle: ak.handle }, auth: [{ password: '' }], params: { qualifyingData: nonce, inScheme: { scheme: TPM_ALG.NULL, details: null }, PCRselect: selection } });
    const pcrValues = await readPcrValues(client, selection);
    // The attester does not judge hash policy (SHA-1 banks are the verifier's call): allow them here.
    const check = verifyQuote({ attest: quote.quoted, signature: quote.signature, akPublic: ak.public, nonce, pcrSelection: selection, pcrValues }, { allowSha1: true });
    if (!check.ok && check.reason === 'pcr-digest-mismatch' && attempt < ATTEMPTS) continue;
    if (!check.ok) throw new Error(`the TPM's quote does not verify: ${check.message}`);
    const evidence = evidenceFromTpmClient({ quote, pcrs: { pcrSelection: selection, pcrValues }, akPublic: ak.public, nonce, ...(eventLog ? { eventLog } : {}) });
    if (!evidence.ok) throw new Error(`cannot make evidence: ${evidence.message}`);
    return encodeEvidence(evidence.value);
  }
}
