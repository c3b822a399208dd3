import { decodeEvidence, evidenceFromTpm2Tools, type Evidence, type Verdict } from '@vtpm/attest';
import type { VerifyOptions } from '../args/verifyOptions.js';
import { readInputFile } from '../runtime/files.js';

/** The evidence to judge: our CBOR bundle (--evidence), or tpm2_quote's files converted to it. */
export function loadEvidence(command: string, opts: VerifyOptions, akPublic: Buffer | null): Verdict<Evidence> {
  if (opts.evidence !== null) return decodeEvidence(readInputFile(command, '--evidence', opts.evidence));
  const files = opts.tpm2!;
  return evidenceFromTpm2Tools({
    message: readInputFile(command, '--tpm2-quote', files.message),
    signature: readInputFile(command, '--tpm2-sig', files.signature),
    pcrs: readInputFile(command, '--tpm2-pcrs', files.pcrs),
    pcrsFormat: files.pcrsFormat,
    akPublic: akPublic!,
    nonce: opts.nonce,
  });
}
