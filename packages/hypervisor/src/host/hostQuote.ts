import { FlushContext, Quote, TPM_ALG, type Signature, type TpmClient, type TpmtPublic } from '@vtpm/tpm';
import { readSha256Pcrs, pcrSelectionOf } from './pcrValues.js';
import { createAttestationKey } from './storageRoot.js';

/** The PCRs a host quotes: 0-9, the firmware PCRs and the boot loader's 8 and 9. */
export const QUOTED_PCRS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

export interface HostQuote {
  quote: { quoted: Buffer; signature: Signature };
  pcrs: { pcrSelection: ReturnType<typeof pcrSelectionOf>; pcrValues: Map<number, Map<number, Buffer>> };
  akPublic: TpmtPublic;
  nonce: Buffer;
}

/** A quote of the SHA-256 boot PCRs over `nonce` by the host's attestation key (the shape @vtpm/attest's evidenceFromTpmClient takes). */
export async function quoteHost(client: TpmClient, nonce: Buffer): Promise<HostQuote> {
  const ak = await createAttestationKey(client);
  try {
    const pcrSelection = pcrSelectionOf(QUOTED_PCRS);
    const quote = await client.run(Quote, {
      handles: { signHandle: ak.handle }, auth: [{ password: '' }],
      params: { qualifyingData: nonce, inScheme: { scheme: TPM_ALG.NULL, details: null }, PCRselect: pcrSelection },
    });
    const values = await readSha256Pcrs(client, QUOTED_PCRS);
    return { quote: { quoted: quote.quoted, signature: quote.signature }, pcrs: { pcrSelection, pcrValues: new Map([[TPM_ALG.SHA256, values]]) }, akPublic: ak.outPublic, nonce };
  } finally {
    await client.run(FlushContext, { params: { flushHandle: ak.handle } });
  }
}
