import { TPMT_SIGNATURE, TPM_ALG, marshal, type PcrSelection, type Signature } from '@vtpm/tpm';
import { judge, refuse, type Verdict } from '../refusal.js';
import { pcrValuesFromDigests, type PcrValues } from '../quote/pcrValues.js';
import type { PublicAreaInput } from '../quote/publicArea.js';
import { decodeEvidence, encodeEvidence, type Evidence } from './evidenceBundle.js';

/** What TpmClient.run(Quote, ...) answers. */
export interface QuoteResponse {
  quoted: Buffer;
  signature: Signature;
}

/** What TpmClient.run(PCR_Read, ...) answers (one or more round trips, concatenated in order). */
export interface PcrReadResponse {
  pcrSelectionOut: PcrSelection[];
  pcrValues: Buffer[];
}

export interface ClientEvidenceParts {
  quote: QuoteResponse;
  /** The PCR values, either read with PCR_Read or already as PcrValues. */
  pcrs: PcrReadResponse | { pcrSelection: PcrSelection[]; pcrValues: PcrValues };
  akPublic: PublicAreaInput;
  nonce: Uint8Array;
  eventLog?: Uint8Array;
  akCertChain?: Buffer[];
  ekCertChain?: Buffer[];
}

/** Evidence from our typed client's Quote (and PCR_Read) responses. */
export function evidenceFromTpmClient(parts: ClientEvidenceParts): Verdict<Evidence> {
  const built = judge(() => {
    if (parts.quote.signature.sigAlg === TPM_ALG.NULL) refuse('malformed-evidence', 'the quote is unsigned (signHandle TPM_RH_NULL): it proves nothing');
    const pcrs =
      'pcrSelectionOut' in parts.pcrs
        ? { pcrSelection: parts.pcrs.pcrSelectionOut, pcrValues: pcrValuesFromDigests(parts.pcrs.pcrSelectionOut, parts.pcrs.pcrValues) }
        : parts.pcrs;
    return encodeEvidence({
      quote: parts.quote.quoted,
      signature: marshal(TPMT_SIGNATURE, parts.quote.signature),
      ...pcrs,
      akPublic: parts.akPublic,
      nonce: Buffer.from(parts.nonce),
      ...(parts.eventLog ? { eventLog: Buffer.from(parts.eventLog) } : {}),
      ...(parts.akCertChain ? { akCertChain: parts.akCertChain } : {}),
      ...(parts.ekCertChain ? { ekCertChain: parts.ekCertChain } : {}),
    });
  });
  return built.ok ? decodeEvidence(built.value) : built;
}
