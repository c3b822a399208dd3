import { TPMS_ATTEST, type QuoteInfo } from '@vtpm/tpm';
import { judge, type Verdict } from '../refusal.js';
import type { PublicAreaInput } from '../quote/publicArea.js';
import { parseTpmBytes } from '../quote/tpmBytes.js';
import { certificateDers, type CertificateInput } from '../ekChain/certificateInput.js';
import { decodeEvidence, encodeEvidence, type Evidence } from './evidenceBundle.js';
import { parseTpm2ToolsPcrs, type Tpm2ToolsPcrsFormat } from './tpm2ToolsPcrs.js';

/** The files of `tpm2_quote -m MSG -s SIG -o PCRS [-F FORMAT] -q NONCE` and `tpm2_createak -u AKPUB`. */
export interface Tpm2ToolsQuoteFiles {
  /** -m: the TPMS_ATTEST octets. */
  message: Uint8Array;
  /** -s: TPMT_SIGNATURE (the default `-f tss` signature format). */
  signature: Uint8Array;
  /** -o: the PCR file. */
  pcrs: Uint8Array;
  /** -F (default serialized). */
  pcrsFormat?: Tpm2ToolsPcrsFormat;
  /** tpm2_createak -u (TPM2B_PUBLIC) or with -f tpmt (TPMT_PUBLIC). */
  akPublic: PublicAreaInput;
  /** -q, as octets (tpm2-tools takes it in hex). */
  nonce: Uint8Array;
  eventLog?: Uint8Array;
  akCertChain?: CertificateInput;
  ekCertChain?: CertificateInput;
}

/** Evidence from tpm2-tools output files, validated by a round trip through the bundle codec. */
export function evidenceFromTpm2Tools(files: Tpm2ToolsQuoteFiles): Verdict<Evidence> {
  const built = judge(() => {
    const format = files.pcrsFormat ?? 'serialized';
    const quotedSelection = format === 'values' ? (parseTpmBytes(TPMS_ATTEST, files.message, 'the quote message').attested as QuoteInfo).pcrSelect : undefined;
    const { pcrSelection, pcrValues } = parseTpm2ToolsPcrs(files.pcrs, format, quotedSelection);
    return encodeEvidence({
      quote: Buffer.from(files.message),
      signature: Buffer.from(files.signature),
      pcrSelection,
      pcrValues,
      akPublic: files.akPublic,
      nonce: Buffer.from(files.nonce),
      ...(files.eventLog ? { eventLog: Buffer.from(files.eventLog) } : {}),
      ...(files.akCertChain ? { akCertChain: certificateDers(files.akCertChain) } : {}),
      ...(files.ekCertChain ? { ekCertChain: certificateDers(files.ekCertChain) } : {}),
    });
  });
  return built.ok ? decodeEvidence(built.value) : built;
}
